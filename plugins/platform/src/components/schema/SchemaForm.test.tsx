import { useState } from 'react';
import { render, screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { JsonObject } from '@trellis/backstage-plugin-platform-common';
import { SchemaForm } from './SchemaForm';
import { asSchema, validateSpec } from './schema';

/** Shaped like the MongoDB Promise's input: `prometheus` is optional. */
const schema: JsonObject = {
  type: 'object',
  required: ['members'],
  properties: {
    members: { type: 'integer', default: 1 },
    prometheus: {
      type: 'object',
      required: ['username', 'passwordSecretRef'],
      properties: {
        username: { type: 'string' },
        passwordSecretRef: {
          type: 'object',
          required: ['name'],
          properties: { name: { type: 'string' } },
        },
      },
    },
  },
};

/** The form as the update dialog uses it, showing the spec it would send. */
function Harness(props: { initial: JsonObject }) {
  const [value, setValue] = useState<JsonObject>(props.initial);
  return (
    <>
      <SchemaForm
        schema={schema}
        value={value}
        onChange={setValue}
        problems={validateSpec(asSchema(schema), value)}
      />
      <output aria-label="spec">{JSON.stringify(value)}</output>
    </>
  );
}

const spec = () => JSON.parse(screen.getByLabelText('spec').textContent!);

describe('SchemaForm', () => {
  it('leaves an optional object out, with its fields hidden, until it is switched on', async () => {
    render(<Harness initial={{ members: 3 }} />);

    const optIn = screen.getByRole('checkbox', { name: 'Set prometheus' });
    expect(optIn).not.toBeChecked();
    expect(screen.queryByLabelText(/username/)).not.toBeInTheDocument();
    expect(spec()).toEqual({ members: 3 });

    await userEvent.click(optIn);
    expect(spec()).toEqual({ members: 3, prometheus: {} });
    // Now its required fields count.
    expect(screen.getByLabelText(/username/)).toBeInTheDocument();
    expect(screen.getAllByText('Required')).toHaveLength(2);

    await userEvent.type(screen.getByLabelText(/username/), 'metrics');
    await userEvent.type(screen.getByLabelText(/^name/), 'pw');
    expect(spec()).toEqual({
      members: 3,
      prometheus: { username: 'metrics', passwordSecretRef: { name: 'pw' } },
    });
    expect(screen.queryByText('Required')).not.toBeInTheDocument();

    // Switched off again, it is gone, whatever was typed.
    await userEvent.click(optIn);
    expect(spec()).toEqual({ members: 3 });
  });

  it('shows an optional object that is set as switched on', () => {
    render(
      <Harness
        initial={{
          members: 1,
          prometheus: { username: 'm', passwordSecretRef: { name: 'pw' } },
        }}
      />,
    );

    expect(
      screen.getByRole('checkbox', { name: 'Set prometheus' }),
    ).toBeChecked();
    expect(screen.getByLabelText(/username/)).toHaveValue('m');
  });
});
