/**
 * The part of a Deployment the process runner reads, typed as the API server returns it. Fields
 * it does not read are left out; fields it cannot honour are found by unsupportedFeatures().
 */

export interface ObjectFieldSelector {
  fieldPath: string;
}

export interface ResourceFieldSelector {
  resource: string;
  containerName?: string;
  divisor?: string | number;
}

export interface KeySelector {
  name: string;
  key: string;
  optional?: boolean;
}

export interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: {
    fieldRef?: ObjectFieldSelector;
    resourceFieldRef?: ResourceFieldSelector;
    secretKeyRef?: KeySelector;
    configMapKeyRef?: KeySelector;
  };
}

export interface EnvFromSource {
  prefix?: string;
  configMapRef?: { name: string; optional?: boolean };
  secretRef?: { name: string; optional?: boolean };
}

export interface VolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
  subPath?: string;
}

export interface Container {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: EnvFromSource[];
  volumeMounts?: VolumeMount[];
  resources?: {
    limits?: Record<string, string | number>;
    requests?: Record<string, string | number>;
  };
}

export interface Volume {
  name: string;
  emptyDir?: Record<string, unknown>;
  /** Any other volume source (secret, configMap, hostPath, …): not run here. */
  [source: string]: unknown;
}

export interface PodTemplate {
  metadata?: {
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec: {
    serviceAccountName?: string;
    /** Deprecated alias of serviceAccountName, still honoured by the API. */
    serviceAccount?: string;
    initContainers?: Container[];
    containers: Container[];
    volumes?: Volume[];
  };
}

export interface Deployment {
  metadata: { name: string; namespace: string; uid?: string };
  spec: {
    replicas?: number;
    selector?: { matchLabels?: Record<string, string> };
    template: PodTemplate;
  };
}

export const deploymentKey = (namespace: string, name: string): string => `${namespace}/${name}`;

export const serviceAccountOf = (template: PodTemplate): string =>
  template.spec.serviceAccountName ?? template.spec.serviceAccount ?? "default";
