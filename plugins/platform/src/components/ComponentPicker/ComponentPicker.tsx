import { useMemo } from 'react';
import useAsync from 'react-use/esm/useAsync';
import {
  Entity,
  RELATION_OWNED_BY,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { identityApiRef, useApi } from '@backstage/core-plugin-api';
import { catalogApiRef } from '@backstage/plugin-catalog-react';
import { FieldExtensionComponentProps } from '@backstage/plugin-scaffolder-react';
import Autocomplete from '@mui/material/Autocomplete';
import TextField from '@mui/material/TextField';

/** The `ui:field` name templates use. */
export const COMPONENT_PICKER_FIELD = 'PlatformComponentPicker';

/** A component as the picker offers it. */
export interface ComponentOption {
  ref: string;
  title: string;
  /** Owned by the user or one of the user's teams. */
  own: boolean;
}

const OWN_GROUP = "Your teams' components";
const OTHER_GROUP = 'Other components';

/**
 * The catalog's components as options: the user's own (owned by the user or
 * a group the user belongs to) first, each group sorted by title.
 */
export function componentOptions(
  entities: Entity[],
  ownershipRefs: string[],
): ComponentOption[] {
  const mine = new Set(
    ownershipRefs.map(ref => ref.toLocaleLowerCase('en-US')),
  );
  return entities
    .map(entity => ({
      ref: stringifyEntityRef(entity),
      title: entity.metadata.title ?? entity.metadata.name,
      own: (entity.relations ?? []).some(
        relation =>
          relation.type === RELATION_OWNED_BY &&
          mine.has(relation.targetRef.toLocaleLowerCase('en-US')),
      ),
    }))
    .sort(
      (a, b) =>
        Number(b.own) - Number(a.own) ||
        a.title.localeCompare(b.title, 'en') ||
        a.ref.localeCompare(b.ref),
    );
}

/**
 * Picks a catalog component for the new resource, listing the user's own
 * components first; its value is the component's entity ref.
 */
export const ComponentPicker = (
  props: FieldExtensionComponentProps<string>,
) => {
  const {
    onChange,
    formData,
    required,
    rawErrors,
    schema,
    idSchema,
    uiSchema,
  } = props;
  const catalogApi = useApi(catalogApiRef);
  const identityApi = useApi(identityApiRef);

  const options = useAsync(async () => {
    const [identity, response] = await Promise.all([
      identityApi.getBackstageIdentity(),
      catalogApi.getEntities({
        filter: { kind: 'Component' },
        fields: [
          'kind',
          'metadata.name',
          'metadata.namespace',
          'metadata.title',
          'relations',
        ],
      }),
    ]);
    return componentOptions(response.items, identity.ownershipEntityRefs);
  }, [catalogApi, identityApi]);

  const values = useMemo(() => options.value ?? [], [options.value]);
  const selected = values.find(o => o.ref === formData) ?? null;
  const description =
    (uiSchema?.['ui:description'] as string | undefined) ?? schema.description;

  return (
    <Autocomplete
      id={idSchema?.$id}
      options={values}
      loading={options.loading}
      value={selected}
      groupBy={option => (option.own ? OWN_GROUP : OTHER_GROUP)}
      getOptionLabel={option => option.title}
      isOptionEqualToValue={(a, b) => a.ref === b.ref}
      onChange={(_, option) => onChange(option?.ref ?? '')}
      renderOption={(optionProps, option) => (
        <li {...optionProps} key={option.ref}>
          {option.title}
          {option.title !== option.ref.split('/').pop() && ` (${option.ref})`}
        </li>
      )}
      renderInput={params => (
        <TextField
          {...params}
          label={schema.title ?? 'Component'}
          required={required}
          margin="dense"
          error={Boolean(rawErrors?.length)}
          helperText={
            options.error
              ? `Could not load the catalog's components: ${options.error.message}`
              : description
          }
        />
      )}
    />
  );
};
