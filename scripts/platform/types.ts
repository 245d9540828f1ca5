import type { Command } from '../command.ts';

export type PlatformName = 'kind' | 'gke';

/** The parts of a profile a platform reads (a loaded profile has them all). */
export interface PlatformSettings {
  readonly platform: PlatformName;
  /** Sample pods beside the lab's own (a new GKE cluster's plan says they fit). */
  readonly seats: number;
  readonly kind: { readonly nodeImage: string };
  readonly gke: {
    readonly project?: string | undefined;
    readonly location?: string | undefined;
    readonly cluster?: string | undefined;
    readonly machineType: string;
    readonly numNodes: number;
  };
}

/** The cluster a lab runs on, and how kubectl and helm reach it. */
export interface ClusterTarget {
  kubeconfig: string;
  context: string;
  /** The cluster's name in kind or GKE. */
  cluster: string;
  /** GKE only: whether egress-lab creates the cluster (false: an existing one, --gke-cluster). */
  create: boolean;
}

/**
 * How the cluster step reaches the lab's cluster, known before the plan is built:
 * - `create`: egress-lab creates it (GKE with --gke-cluster: uses that existing cluster);
 * - `adopt`: --adopt on a cluster of the lab's name egress-lab did not create: only the lab kubeconfig's access;
 * - `resume`: an earlier up began creating it and did not finish, and it exists: kind deletes the half-made
 *   cluster and creates it again; GKE only needs its credentials.
 */
export type ClusterStart = 'create' | 'adopt' | 'resume';

/** The ledger's record of the lab's cluster. */
export interface ClusterRecord {
  readonly name: string;
  readonly platform: PlatformName;
  readonly project?: string | undefined;
  readonly location?: string | undefined;
  /** Whether egress-lab created the cluster (then down deletes it, unless --keep-cluster). */
  readonly createdByEgressLab?: boolean;
}

/** The commands of the plan's cluster step; `hashed`: the ones its hash is taken over, when not `run`. */
export interface ClusterCommands {
  readonly title: string;
  readonly run: readonly Command[];
  readonly hashed?: readonly Command[];
}

/** A profile flag only one platform takes. */
export type PlatformFlag = 'gkeProject' | 'gkeLocation' | 'gkeCluster';

/** A setting a lab cannot be built without, asked for when missing. */
export interface RequiredSetting {
  readonly key: 'gkeProject' | 'gkeLocation';
  readonly value: (s: PlatformSettings) => string | undefined;
  readonly message: string;
  readonly flag: string;
}

export type DoctorProgram = 'docker' | 'kind' | 'gcloud';
export type HostCheck = 'inotify' | 'memory' | 'proxy';

/** Everything that differs between kind and GKE and runs nothing: names, commands, texts, render and doctor parts. */
export interface Platform {
  readonly name: PlatformName;
  /** How the wizard and messages name it ("kind", "GKE"), and the wizard's hint for it. */
  readonly label: string;
  readonly hint: string;
  /** The built-in profile the wizard starts from once this platform is chosen, and messages suggest. */
  readonly baseProfile?: string;
  /** The profile flags only this platform takes: on another platform they are refused. */
  readonly flags: readonly { key: PlatformFlag; flag: string }[];
  /** Settings up asks for when the profile leaves them out. */
  readonly required: readonly RequiredSetting[];
  /** Whether the wizard asks the cloud questions (project, location, cluster). */
  readonly asksCloud: boolean;
  /** The node image that fixes the cluster's Kubernetes before it exists: where the profile sets it, and the fix. */
  readonly nodeImage?: {
    of: (s: PlatformSettings) => string;
    path: readonly string[];
    fix: string;
  };
  /** The cluster the lab runs on, given the lab's kubeconfig. */
  target(s: PlatformSettings, lab: string, kubeconfig: string): ClusterTarget;
  /** Where the ledger records the cluster is, beside its name (GKE: project and location). */
  clusterPlace(s: PlatformSettings): Pick<ClusterRecord, 'project' | 'location'>;
  /** Whether egress-lab makes the lab's cluster: kind always, GKE unless it was given one (--gke-cluster). */
  createsCluster(target: Pick<ClusterTarget, 'create'>): boolean;
  /** What is wrong with the name of a cluster up would create (--name), if anything. */
  clusterNameProblem(target: ClusterTarget): string | undefined;
  /** The plan's cluster step for `start`; `configFile` is the rendered cluster config, when the platform has one. */
  clusterStep(
    s: PlatformSettings,
    target: ClusterTarget,
    lab: string,
    start: ClusterStart,
    configFile?: string,
  ): ClusterCommands;
  /** Deletes the cluster (only ever called for a cluster egress-lab created). */
  deleteCommand(cluster: ClusterRecord, kubeconfig: string): Command;
  /** up's plan summary line for the cluster. */
  describe(s: PlatformSettings, target: ClusterTarget, adopt: boolean): string;
  /** up's plan lines on what a cluster egress-lab creates will cost (GKE: its nodes, billed until down). */
  newClusterCost(s: PlatformSettings, lab: string): string[];
  /** Why up needs --yes when it cannot ask (a new GKE cluster costs money). */
  createNeedsYes(target: ClusterTarget, adopt: boolean): string | undefined;
  /** What down removes that needs the cluster name typed (or --yes), in words. */
  removalToConfirm(cluster: ClusterRecord, removesCluster: boolean): string | undefined;
  /** How `list` names a lab's cluster (GKE: with its project and location). */
  clusterWhere(cluster: ClusterRecord): string;
  /** The command, as a user types it, that deletes later a cluster down left in place that bills until then. */
  deleteLater(cluster: ClusterRecord): string | undefined;
  /** down's hint, after "the cluster was left in place": how to reach it, or what deletes a billed one. */
  keptClusterHint(cluster: ClusterRecord): string;
  /**
   * Where a kubeconfig for the lab's API server works (the handout): kind's points at 127.0.0.1 (kind's default
   * networking.apiServerAddress), so only on the machine that runs the cluster; GKE's at the cluster's endpoint.
   */
  readonly apiServerReach: string;
  /** The runbook: how images reach the nodes, and the cloud APIs the lab calls. */
  readonly imagesPulledBy: string;
  readonly endpoints: readonly string[];
  /** The host pulls every image and loads it into the nodes (kind), instead of the nodes pulling (GKE). */
  readonly warmsImages: boolean;
  /** The render: the cluster config file, the platform's own manifests, and Istio's `global.platform`. */
  readonly render: {
    clusterConfig?: { file: string; template: string };
    manifests: readonly { id: string; component: 'istio'; templates: string[] }[];
    istioPlatform?: string;
  };
  /**
   * doctor: the programs the platform needs, the host checks, whether the cloud account is checked, and the
   * checks whose blocker means the platform cannot run here at all (the wizard marks it).
   */
  readonly doctor: {
    programs: readonly DoctorProgram[];
    host: readonly HostCheck[];
    cloud: boolean;
    stops: readonly string[];
  };
}

/** What the GKE questions ask gcloud: the configured project, whether a project is reachable, its clusters. */
export interface GkeLookup {
  defaultProject(): Promise<string | undefined>;
  /** Undefined when the project can be used; else gcloud's reason. */
  projectProblem(project: string): Promise<string | undefined>;
  /** The project's clusters; `autopilot`: an Autopilot cluster, where the lab cannot run (docs/upstream-rules.md G4). */
  clusters(project: string): Promise<{ name: string; location: string; autopilot: boolean }[]>;
}
