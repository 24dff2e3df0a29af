import { createLegacyAnnotationWarner } from '@trellis/backstage-plugin-platform-common';
import { LoggerService } from '@backstage/backend-plugin-api';
import { NotFoundError } from '@backstage/errors';
import { ClusterClient } from '../cluster/ClusterClient';
import { KubeObject, ResourceType } from '../cluster/types';
import { CapabilityDefinition } from './types';

/** What both orchestrator adapters are built from. */
export interface AdapterOptions {
  client: ClusterClient;
  logger: LoggerService;
  /** Owner of capabilities that do not name one. */
  defaultOwner?: string;
}

/**
 * The part the Kratix and Crossplane adapters share: listing definition
 * types that the cluster may not serve (the orchestrator is not installed)
 * and remembering which it served, for the engine to watch.
 */
export abstract class DefinitionLister {
  protected readonly client: ClusterClient;
  protected readonly logger: LoggerService;
  protected readonly defaultOwner?: string;
  /** Warns once per definition and old annotation spelling, not on every listing. */
  protected readonly legacyWarner: ReturnType<
    typeof createLegacyAnnotationWarner
  >;
  protected servedTypes: ResourceType[] = [];

  constructor(options: AdapterOptions) {
    this.client = options.client;
    this.logger = options.logger;
    this.defaultOwner = options.defaultOwner;
    this.legacyWarner = createLegacyAnnotationWarner(message =>
      this.logger.warn(message),
    );
  }

  /** The definition types the cluster served at the last listing. */
  watchedTypes(): ResourceType[] {
    return this.servedTypes;
  }

  /** How log lines name a type, e.g. `Kratix Promise`. */
  protected abstract describeType(type: ResourceType): string;

  /** One definition object (a Promise, an XRD) as a capability, if it offers one. */
  protected abstract toDefinition(
    object: KubeObject,
    revisions: KubeObject[],
  ): CapabilityDefinition | undefined;

  /**
   * Lists the definitions of the first of `definitionTypes` the cluster
   * serves (API versions, newest first) and their revisions, remembers what
   * was served for the watches, and turns each into a capability.
   */
  protected async listDefinitionsOf(
    definitionTypes: ResourceType[],
    revisionType: ResourceType,
  ): Promise<CapabilityDefinition[]> {
    let definitions: KubeObject[] | undefined;
    let servedType: ResourceType | undefined;
    for (const type of definitionTypes) {
      definitions = await this.listIfServed(type);
      if (definitions) {
        servedType = type;
        break;
      }
    }
    if (!definitions || !servedType) {
      this.servedTypes = [];
      return [];
    }
    const revisions = await this.listIfServed(revisionType);
    this.servedTypes = revisions ? [servedType, revisionType] : [servedType];
    return definitions.flatMap(object => {
      const definition = this.toDefinition(object, revisions ?? []);
      return definition ? [definition] : [];
    });
  }

  /** The objects of a type, or undefined when the cluster does not serve it. */
  protected async listIfServed(
    type: ResourceType,
  ): Promise<KubeObject[] | undefined> {
    try {
      return (await this.client.list(type)).items;
    } catch (error) {
      if (error instanceof NotFoundError) {
        this.logger.debug(
          `Cluster '${this.client.name}' does not serve ${this.describeType(
            type,
          )} objects`,
        );
        return undefined;
      }
      throw error;
    }
  }
}
