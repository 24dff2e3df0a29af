export interface Config {
  platform?: {
    permissions?: {
      /**
       * Entity refs (usually groups) whose members administer the platform
       * under Trellis's default permission policy: they may change production
       * resources and start rollouts. Default: group:default/platform-team.
       */
      adminRefs?: string[];
    };
  };
}
