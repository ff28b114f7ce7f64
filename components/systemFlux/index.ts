import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { gitHubProviderOf, settleFluxSource } from "../deployKey/checks";
import { DeployKey } from "../deployKey";
import { argumentError, componentLabel } from "../shared/errors";
import type { GitSourceArgs } from "../shared/gitSource";
import { ownedByThisStack } from "../shared/ownership";
import { versions } from "../versions";
import { systemFluxDefaults } from "./defaults";
import { fluxInstance, fluxInstanceSpec, systemFluxLabels } from "./fluxInstance";
import {
  OPERATOR_RELEASE,
  operatorChartValues,
  operatorWebUiNetworkPolicy,
  resourceSetDefaultServiceAccount,
} from "./operator";

export interface SystemFluxArgs {
  /** The cluster's own repository (an SSH URL), branch, path and interval. */
  readonly source: GitSourceArgs;
  /**
   * Adds the image reflector and automation controllers, and gives the deploy key write access.
   * Defaults to false.
   */
  readonly imageAutomation?: boolean;
  /**
   * known_hosts text for the repository's host. Defaults to the built-in host keys for
   * github.com; required for any other host.
   */
  readonly knownHosts?: pulumi.Input<string>;
  /** Names the deploy key on GitHub: `k8s-flux <clusterName> system`. */
  readonly clusterName: pulumi.Input<string>;
  /** The deploy key's generation, from 1 (the default); raise it to rotate the key. */
  readonly keyGeneration?: number;
  /**
   * A next deploy key, made but not yet used by Flux, for a key added to the repository by
   * hand: DeployKey's `stagedGeneration`. None by default.
   */
  readonly stagedKeyGeneration?: number;
  /**
   * Register the deploy key on GitHub when the repository is there, with the GitHub provider in
   * `opts.providers`. Defaults to true.
   */
  readonly registerDeployKey?: boolean;
  /**
   * Install the Flux Operator and its namespace. Defaults to true. False when the operator is
   * managed elsewhere: it must then already run in flux-system, whose namespace must exist, with
   * the tenant lockdown of docs/security.md (`--default-service-account` and
   * `--default-workload-identity-service-account` naming an account with no rights).
   */
  readonly installOperator?: boolean;
  /**
   * Turn on the operator's web UI, which has no login and shows every tenant's Flux objects; only
   * pods in flux-system (and `kubectl port-forward`) reach it. Defaults to false. Only with
   * installOperator.
   */
  readonly operatorWebUi?: boolean;
  /** Whether `pulumi up` waits for the FluxInstance to be Ready. Defaults to true. */
  readonly waitForReadiness?: boolean;
}

/** The Secret the FluxInstance's sync reads its deploy key from. */
const PULL_SECRET_NAME = "flux-system";

/**
 * Flux v2 for the platform team: the Flux Operator from its pinned chart, and one FluxInstance
 * that installs the Flux controllers and syncs the system repository with a deploy key.
 */
export class SystemFlux extends pulumi.ComponentResource {
  /** flux-system, once it exists (created here unless the operator is installed elsewhere). */
  public readonly namespace: pulumi.Output<string>;
  public readonly deployKey: DeployKey;
  /** Tenants' Flux objects depend on this: Flux's CRDs exist once it is ready. */
  public readonly fluxInstance: k8s.apiextensions.CustomResource;

  constructor(name: string, args: SystemFluxArgs, opts?: pulumi.ComponentResourceOptions) {
    super("k8s-flux:systemFlux:SystemFlux", name, {}, opts);
    const label = componentLabel("SystemFlux", name);

    const settled = settleFluxSource(args, systemFluxDefaults, gitHubProviderOf(this));
    if ("problem" in settled) throw argumentError(this, label, settled.argument, settled.problem);
    const { source, knownHosts, keyGeneration, stagedKeyGeneration, registerDeployKey } = settled;
    const imageAutomation = args.imageAutomation ?? systemFluxDefaults.imageAutomation;
    const installOperator = args.installOperator ?? systemFluxDefaults.installOperator;
    const webUi = args.operatorWebUi ?? systemFluxDefaults.operatorWebUi;
    if (webUi && !installOperator) {
      throw argumentError(
        this,
        label,
        "operatorWebUi",
        "is only used when this component installs the operator, but installOperator is false; expected it left out, or installOperator true",
      );
    }

    // Installed, the namespace's name comes from the Namespace, so what lives in it waits for it.
    const { namespace, operator } = installOperator
      ? this.installOperator(name, webUi)
      : { namespace: pulumi.output(systemFluxDefaults.namespace), operator: [] };
    this.namespace = namespace;

    this.deployKey = new DeployKey(
      `${name}-deploy-key`,
      {
        repository: source.repository,
        title: pulumi.interpolate`k8s-flux ${args.clusterName} system`,
        readOnly: !imageAutomation,
        knownHosts,
        secretName: PULL_SECRET_NAME,
        secretNamespace: namespace,
        generation: keyGeneration,
        ...(stagedKeyGeneration !== undefined ? { stagedGeneration: stagedKeyGeneration } : {}),
        registerOnGitHub: registerDeployKey,
      },
      { parent: this },
    );

    this.fluxInstance = new k8s.apiextensions.CustomResource(
      `${name}-instance`,
      fluxInstance({
        namespace,
        waitForReadiness: args.waitForReadiness ?? systemFluxDefaults.waitForReadiness,
        spec: fluxInstanceSpec({
          source,
          imageAutomation,
          pullSecretName: PULL_SECRET_NAME,
          // With a key registered on GitHub, Ready proves the controllers and the sync work. A
          // key added by hand cannot work before this update has printed it, so Ready then means
          // only that the operator applied Flux (its CRDs included), which is what tenants need.
          readyMeansSynced: this.deployKey.registeredOnGitHub,
        }),
      }),
      // The operator must outlive the FluxInstance: its finalizer uninstalls Flux.
      { parent: this, dependsOn: [...operator, this.deployKey.secret] },
    );

    this.registerOutputs({
      namespace: this.namespace,
      deployKey: this.deployKey,
      fluxInstance: this.fluxInstance,
    });
  }

  /**
   * The operator's namespace, its locked-down defaults and pinned chart; the Secret and instance
   * wait for them all. The chart comes last, so the operator never runs without them.
   */
  private installOperator(
    name: string,
    webUi: boolean,
  ): {
    namespace: pulumi.Output<string>;
    operator: pulumi.Resource[];
  } {
    const namespace = new k8s.core.v1.Namespace(
      `${name}-namespace`,
      ownedByThisStack({
        metadata: { name: systemFluxDefaults.namespace, labels: systemFluxLabels() },
      }),
      { parent: this },
    );
    const lockdown: pulumi.Resource[] = [
      new k8s.core.v1.ServiceAccount(
        `${name}-resourceset-default-account`,
        resourceSetDefaultServiceAccount(namespace.metadata.name),
        { parent: this },
      ),
      ...(webUi
        ? [
            new k8s.networking.v1.NetworkPolicy(
              `${name}-operator-web-policy`,
              operatorWebUiNetworkPolicy(namespace.metadata.name),
              { parent: this },
            ),
          ]
        : []),
    ];
    const operator = new k8s.helm.v4.Chart(
      `${name}-operator`,
      {
        chart: versions.fluxOperatorChart.chart,
        version: versions.fluxOperatorChart.version,
        // The chart's ServiceAccount and Deployment are named after the release.
        name: OPERATOR_RELEASE,
        namespace: namespace.metadata.name,
        values: operatorChartValues({ webUi }),
      },
      { parent: this, dependsOn: [namespace, ...lockdown] },
    );
    return { namespace: namespace.metadata.name, operator: [...lockdown, operator] };
  }
}
