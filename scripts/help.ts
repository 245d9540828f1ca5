/** Help texts shown by `--help` (plain strings: loading this module costs nothing). */

export const PROGRAM_HELP = `
Lifecycle: doctor → up → status / verify / path / logs / env → down.

Examples:
  egress-lab up                                   # asks its questions in a terminal; else builds the kind profile
  egress-lab up --profile kind-full --yes         # Squid and ext-authz on kind, no questions
  egress-lab up --profile gke-full --gke-project my-proj --gke-location europe-west1-b --yes
  egress-lab verify                               # prove the egress path hop by hop
  egress-lab path                                 # show that proof again (the last verify's evidence)
  eval "$(egress-lab env)"                        # point kubectl and k9s at the lab
  egress-lab down

Defaults: --profile kind (not in a terminal, or with --yes), --name egress-lab.

Exit codes: 0 success; 1 a step or a check failed; 2 bad usage or bad input (nothing was run or
written); 130 cancelled (Ctrl-C, SIGTERM, or a question answered with Esc); 129 the terminal
closed (SIGHUP).

Environment:
  EGRESS_LAB_HOME           where labs keep their state (default $XDG_STATE_HOME/egress-lab,
                            else ~/.local/state/egress-lab)
  GLOO_MESH_LICENSE_KEY, GLOO_GATEWAY_LICENSE_KEY, AGENTGATEWAY_LICENSE_KEY
                            licence keys of the seed and enterprise stacks (or --license-file)
  CI                        set: never ask a question, as when not in a terminal

Run egress-lab COMMAND --help for a command's flags and examples.
`;

export const UP_HELP = `
Examples:
  egress-lab up                                  # a terminal: asks platform, stack, Squid and ext-authz
  egress-lab up --yes                            # no questions: the kind profile
  egress-lab up --profile kind-full --name demo  # a second lab beside the first
  egress-lab up --profile kind-full --dry-run    # the plan and its commands; nothing changes
  egress-lab up --profile gke-full --gke-project my-proj --gke-location europe-west1-b --yes

Defaults: --profile kind when nothing is asked, --name egress-lab. Run up again after a failure or
Ctrl-C: it continues where it stopped. With another profile it changes only what differs.
Each step command has a time limit by kind (up to 45 min for a GKE cluster); --step-timeout
SECONDS sets one limit for all. Gateway API CRDs egress-lab did not install are used when they are
the pinned release or newer; --take-over-crds applies the pinned release over older ones.
`;

export const DOWN_HELP = `
Examples:
  egress-lab down                       # the lab "egress-lab"
  egress-lab down --name demo --yes
  egress-lab down --keep-cluster        # remove the lab, keep the cluster egress-lab created
`;

export const LOGS_HELP = `
Components: gateway (alias waypoint), squid, ext-authz, sample, ztunnel, istio-cni, istiod.
A DaemonSet (ztunnel, istio-cni) shows every node's pod, each line prefixed with its pod.
--path (instead of a component) merges the gateway's, ext-authz's and Squid's lines in the order
they were written, each prefixed with its component; --tail then counts per component.

Examples:
  egress-lab logs gateway --since 5m
  egress-lab logs ztunnel --tail 50
  egress-lab logs squid --follow
  egress-lab logs --path --since 2m              # one request as it crossed the gateway, ext-authz, Squid
`;

export const PATH_HELP = `
Reads the report of the lab's last verify (the one up ends with, or egress-lab verify); it runs
nothing against the cluster. Run egress-lab verify first to show the path as it is now.

Examples:
  egress-lab path
  egress-lab path --name demo --json
`;

export const ENV_HELP = `
Example:
  eval "$(egress-lab env)"     # then kubectl, helm and k9s reach the lab
`;
