import { Entity } from '@backstage/catalog-model';
import { componentOptions } from './ComponentPicker';

function component(name: string, owner: string, title?: string): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: 'Component',
    metadata: { name, namespace: 'default', ...(title ? { title } : {}) },
    relations: [{ type: 'ownedBy', targetRef: owner }],
  };
}

describe('componentOptions', () => {
  it("lists the user's teams' components first, each group by title", () => {
    const options = componentOptions(
      [
        component('ledger-service', 'group:default/team-payments'),
        component('storefront-web', 'group:default/team-storefront'),
        component('admin-ui', 'group:default/team-payments'),
        component('basket', 'group:default/team-storefront', 'Basket API'),
        component('my-sandbox', 'user:default/guest'),
      ],
      ['user:default/guest', 'group:default/team-storefront'],
    );
    expect(options.map(o => [o.title, o.own])).toEqual([
      ['Basket API', true],
      ['my-sandbox', true],
      ['storefront-web', true],
      ['admin-ui', false],
      ['ledger-service', false],
    ]);
    expect(options[0].ref).toBe('component:default/basket');
  });

  it('matches owners whatever their case', () => {
    const [option] = componentOptions(
      [component('web', 'group:default/Team-Storefront')],
      ['group:default/team-storefront'],
    );
    expect(option.own).toBe(true);
  });
});
