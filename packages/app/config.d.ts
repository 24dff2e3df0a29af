export interface Config {
  auth?: {
    providers?: {
      github?: {
        [authEnvironment: string]: {
          /**
           * @visibility frontend
           */
          clientId: string;
        };
      };
    };
  };
}
