export interface Config {
  platform?: {
    engines?: {
      /** The Kubernetes engine: Kratix Promises and Crossplane compositions. */
      kubernetes?: {
        /**
         * The clusters to offer capabilities from; one engine per cluster.
         * Without any, the module registers no engine.
         */
        clusters?: Array<{
          /**
           * The engine id and first part of capability refs
           * (`<name>:<capability>`): 1-32 lower-case letters, digits and
           * dashes, starting with a letter, e.g. `prod-eu`.
           */
          name: string;
          /** Shown in the portal; default `Kubernetes (<name>)`. */
          title?: string;
          /**
           * The API server URL. Without `url` and `kubeconfig`, the engine
           * uses the service account of the pod the backend runs in.
           */
          url?: string;
          /** Base64-encoded PEM CA bundle of the API server. */
          caData?: string;
          /** Path to a PEM CA bundle of the API server. */
          caFile?: string;
          /** Do not verify the API server's certificate (also required for plain http). */
          skipTLSVerify?: boolean;
          /**
           * Service account token.
           * @visibility secret
           */
          token?: string;
          /**
           * Path to a service account token, re-read every minute, e.g. a
           * projected token that rotates.
           * @visibility secret
           */
          tokenFile?: string;
          /** Use a kubeconfig instead of `url`. */
          kubeconfig?: {
            /** Default: `$KUBECONFIG` or `~/.kube/config`. */
            path?: string;
            /** Default: the kubeconfig's current context. */
            context?: string;
          };
          /** Offer the cluster's Kratix Promises (default true). */
          kratix?: { enabled?: boolean };
          /** Offer the cluster's Crossplane XRDs (default true). */
          crossplane?: { enabled?: boolean };
          /**
           * Environment → namespace the environment's resources are created
           * in. Environments not listed use a namespace of their own name.
           */
          namespaces?: { [environment: string]: string };
          /** Seconds between full relists that heal missed watch events (default 600, at least 10). */
          resyncSeconds?: number;
          /**
           * Entity ref of the team owning capabilities that carry no
           * `trellis.io/owner` annotation, e.g. `group:default/platform-team`.
           */
          owner?: string;
          /**
           * Make changes (create, patch, delete, upgrades, re-runs) with the
           * requesting user's own identity instead of the service account,
           * for clusters whose API server trusts the portal's OpenID Connect
           * provider. Reads and watches keep using the service account.
           */
          userAuth?: {
            /**
             * The portal's sign-in provider whose ID tokens the cluster
             * accepts, e.g. `okta`.
             */
            provider: string;
          };
        }>;
      };
    };
  };
}
