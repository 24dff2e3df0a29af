/** Sets the config the app reads when it is created, for App tests. */
export function withConfig(data: Record<string, unknown>) {
  process.env = {
    NODE_ENV: 'test',
    APP_CONFIG: [
      {
        data: {
          app: { title: 'ACME portal', baseUrl: 'http://localhost:3000' },
          backend: { baseUrl: 'http://localhost:7007' },
          techdocs: {
            storageUrl: 'http://localhost:7007/api/techdocs/static/docs',
          },
          ...data,
        },
        context: 'test',
      },
    ] as any,
  };
}
