import type * as k8s from "@pulumi/kubernetes";

/**
 * The SealedSecret CRD (`sealedsecrets.bitnami.com`, v1alpha1, namespaced, status subresource),
 * written from the controller's API: `spec.encryptedData` maps keys to base64 ciphertexts and
 * `spec.template` is the metadata, type and plain data of the Secret it unseals into.
 */
export const sealedSecretCrdSpec: k8s.types.input.apiextensions.v1.CustomResourceDefinitionSpec = {
  group: "bitnami.com",
  names: {
    kind: "SealedSecret",
    listKind: "SealedSecretList",
    plural: "sealedsecrets",
    singular: "sealedsecret",
  },
  scope: "Namespaced",
  versions: [
    {
      name: "v1alpha1",
      served: true,
      storage: true,
      subresources: { status: {} },
      additionalPrinterColumns: [
        { name: "Status", type: "string", jsonPath: ".status.conditions[0].message" },
        { name: "Synced", type: "string", jsonPath: ".status.conditions[0].status" },
        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      ],
      schema: {
        openAPIV3Schema: {
          type: "object",
          description: "A Secret encrypted for one cluster's sealed-secrets controller.",
          required: ["spec"],
          properties: {
            apiVersion: { type: "string" },
            kind: { type: "string" },
            metadata: { type: "object" },
            spec: {
              type: "object",
              required: ["encryptedData"],
              properties: {
                encryptedData: {
                  type: "object",
                  additionalProperties: { type: "string" },
                  x_kubernetes_preserve_unknown_fields: true,
                },
                data: {
                  type: "string",
                  format: "byte",
                  description: "Deprecated single-blob form; use encryptedData.",
                },
                template: {
                  type: "object",
                  description: "Metadata, type and plain data of the Secret to create.",
                  properties: {
                    metadata: {
                      type: "object",
                      nullable: true,
                      x_kubernetes_preserve_unknown_fields: true,
                    },
                    type: { type: "string" },
                    immutable: { type: "boolean" },
                    data: {
                      type: "object",
                      nullable: true,
                      additionalProperties: { type: "string" },
                    },
                  },
                },
              },
            },
            status: {
              type: "object",
              x_kubernetes_preserve_unknown_fields: true,
              properties: {
                observedGeneration: { type: "integer", format: "int64" },
                conditions: {
                  type: "array",
                  items: {
                    type: "object",
                    required: ["status", "type"],
                    properties: {
                      type: { type: "string" },
                      status: { type: "string" },
                      reason: { type: "string" },
                      message: { type: "string" },
                      lastTransitionTime: { type: "string", format: "date-time" },
                      lastUpdateTime: { type: "string", format: "date-time" },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  ],
};
