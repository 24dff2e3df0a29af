import express from 'express';
import Router from 'express-promise-router';
import { EngineRegistry } from '../engines/EngineRegistry';

export async function createRouter(options: {
  engines: EngineRegistry;
}): Promise<express.Router> {
  const { engines } = options;
  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    res.json({
      status: 'ok',
      engines: engines.list().map(e => ({ id: e.id, title: e.title })),
    });
  });

  return router;
}
