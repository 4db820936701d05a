import { startStrapi, type TestApp } from '../helpers/strapi';
import { loginAdmin, loginAdminWithActions, loginSuperAdmin } from '../helpers/auth';
import { fixtures, unique } from '../helpers/fixtures';
import { CONTENT_MANAGER_LABELS } from '../../src/content-manager-labels';
import { applyContentManagerLabels } from '../../src/content-manager-config';

/**
 * The Content Manager's labels and help lines for the domain's fields (written by the app's bootstrap
 * into the CM configuration, read here through the admin API), and the key options its
 * recipient and sender key fields offer.
 */

let app: TestApp;
let token: string;

beforeAll(async () => {
  app = await startStrapi();
  token = await loginSuperAdmin(app);
});
afterAll(async () => {
  await app?.stop();
});

const get = (path: string, t = token) => app.http().get(path).set('Authorization', `Bearer ${t}`);
const DEFINITION = 'api::message-definition.message-definition';
const ownAttributes = (uid: string) => {
  const model: any = uid.includes('::') ? app.strapi.contentTypes[uid as any] : app.strapi.components[uid as any];
  // Strapi's own fields (createdAt, createdBy, …) are not the app's to label.
  return Object.keys(model.__schema__?.attributes ?? model.attributes).filter(
    (name) =>
      !['createdAt', 'updatedAt', 'publishedAt', 'createdBy', 'updatedBy', 'locale', 'localizations'].includes(name)
  );
};
const configurationOf = async (uid: string) => {
  const path = uid.includes('::') ? `content-types/${uid}` : `components/${uid}`;
  const res = await get(`/content-manager/${path}/configuration`);
  expect(res.status).toBe(200);
  return (uid.includes('::') ? res.body.data.contentType : res.body.data.component) as {
    metadatas: Record<string, any>;
  };
};

describe('Content Manager labels', () => {
  const apiUids = Object.keys(CONTENT_MANAGER_LABELS);

  test('every content type of src/api and every component they use is labelled', () => {
    const appTypes = Object.keys(app.strapi.contentTypes).filter((uid) => uid.startsWith('api::'));
    const appComponents = Object.keys(app.strapi.components);
    expect(apiUids.sort()).toEqual([...appTypes, ...appComponents].sort());
  });

  test.each(Object.keys(CONTENT_MANAGER_LABELS))(
    '%s: each field has a label and a description in its configuration',
    async (uid) => {
      const { metadatas } = await configurationOf(uid);
      for (const field of ownAttributes(uid)) {
        const help = CONTENT_MANAGER_LABELS[uid][field];
        expect({ field, help: Boolean(help) }).toEqual({ field, help: true });
        expect({ field, edit: metadatas[field].edit.label, list: metadatas[field].list.label }).toEqual({
          field,
          edit: help.label,
          list: help.label,
        });
        expect(metadatas[field].edit.description).toBe(help.description);
        expect(help.label).not.toBe(field);
      }
    }
  );

  test('the template fields list the variables and the date and money helpers', async () => {
    const { metadatas } = await configurationOf(DEFINITION);
    for (const field of ['subjectTemplate', 'bodyTemplate', 'textTemplate']) {
      const { description } = metadatas[field].edit;
      for (const needle of [
        'customer.name',
        'invoice.number',
        'invoices',
        'sender.email',
        'recipient.address',
        '{{date ',
        '{{money ',
      ]) {
        expect({ field, needle, found: description.includes(needle) }).toEqual({ field, needle, found: true });
      }
    }
  });

  test("an admin's own label and description survive the next boot; fields still at the default are filled in", async () => {
    const { metadatas, ...rest } = (await get(`/content-manager/content-types/${DEFINITION}/configuration`)).body.data
      .contentType;
    const edited = {
      ...metadatas,
      name: { ...metadatas.name, edit: { ...metadatas.name.edit, label: 'Definition title', description: 'Ours' } },
      // As if a new field appeared: back to Strapi's default.
      collate: {
        ...metadatas.collate,
        edit: { ...metadatas.collate.edit, label: 'collate', description: '' },
        list: { ...metadatas.collate.list, label: 'collate' },
      },
    };
    const body = {
      layouts: rest.layouts,
      settings: rest.settings,
      metadatas: Object.fromEntries(
        Object.entries(edited).map(([field, { edit, list }]: [string, any]) => [
          field,
          { edit: { ...edit }, list: { label: list.label, searchable: list.searchable, sortable: list.sortable } },
        ])
      ),
    };
    const put = await app
      .http()
      .put(`/content-manager/content-types/${DEFINITION}/configuration`)
      .set('Authorization', `Bearer ${token}`)
      .send(body);
    expect(put.status).toBe(200);
    expect(put.body.data.contentType.metadatas.collate.edit.label).toBe('collate');

    // What the bootstrap does on every boot.
    expect(await applyContentManagerLabels(app.strapi)).toEqual([DEFINITION]);
    expect(await applyContentManagerLabels(app.strapi)).toEqual([]);

    const after = await configurationOf(DEFINITION);
    expect(after.metadatas.name.edit).toMatchObject({ label: 'Definition title', description: 'Ours' });
    expect(after.metadatas.collate.edit).toMatchObject(CONTENT_MANAGER_LABELS[DEFINITION].collate);
    expect(after.metadatas.collate.list.label).toBe(CONTENT_MANAGER_LABELS[DEFINITION].collate.label);
  });
});

describe('key options', () => {
  const sender = unique('sender');
  const recipient = unique('Key');

  beforeAll(async () => {
    const make = fixtures(app.strapi);
    await make.sender({ key: sender });
    await make.customer({
      emailAddresses: [
        { key: recipient, address: 'a@example.com' },
        { key: 'billing', address: 'b@example.com' },
      ],
    });
    await make.customer({ emailAddresses: [{ key: 'billing', address: 'c@example.com' }] });
  });

  test("GET /message-runs/options/recipient-keys lists each key of the customers' addresses once, q filters", async () => {
    const all = await get('/message-runs/options/recipient-keys');
    expect(all.status).toBe(200);
    const keys = all.body.data.map((option: { key: string }) => option.key);
    expect(keys.filter((key: string) => key === 'billing')).toEqual(['billing']);
    expect(keys).toContain(recipient);
    const some = await get(`/message-runs/options/recipient-keys?q=${encodeURIComponent(recipient.toUpperCase())}`);
    expect(some.body.data).toEqual([{ key: recipient }]);
    expect((await get('/message-runs/options/recipient-keys?q=%25')).body.data).toEqual([]);
  });

  test("GET /message-runs/options/sender-keys lists the message senders' keys", async () => {
    const res = await get(`/message-runs/options/sender-keys?q=${sender}`);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([{ key: sender }]);
  });

  test('the key routes need an admin who may read the entries the keys come from', async () => {
    expect((await app.http().get('/message-runs/options/sender-keys')).status).toBe(401);
    const runsOnly = await loginAdminWithActions(app, ['plugin::message-runs.read']);
    expect((await get('/message-runs/options/sender-keys', runsOnly)).status).toBe(403);
    expect((await get('/message-runs/options/recipient-keys', runsOnly)).status).toBe(403);

    const roles = app.strapi.service('admin::role');
    const role = await roles.create({ name: unique('senders-reader'), description: 'reads senders' });
    await roles.assignPermissions(role.id, [
      {
        action: 'plugin::content-manager.explorer.read',
        subject: 'api::message-sender.message-sender',
        properties: { fields: ['key'] },
        conditions: [],
      },
    ]);
    const sendersReader = await loginAdmin(app, [role.id]);
    expect((await get('/message-runs/options/sender-keys', sendersReader)).status).toBe(200);
    expect((await get('/message-runs/options/recipient-keys', sendersReader)).status).toBe(403);
  });
});
