import { Mail } from '@strapi/icons';
import { MESSAGE_KEY_FIELD, PERMISSIONS, PLUGIN_ID } from '../../shared/constants';
import { getTranslationKey } from './utils/translations';

export default {
  register(app: any) {
    app.addMenuLink({
      to: `plugins/${PLUGIN_ID}`,
      icon: Mail,
      intlLabel: { id: getTranslationKey('plugin.name'), defaultMessage: 'Message Runs' },
      permissions: PERMISSIONS.read,
      Component: () => import('./pages/App').then((mod) => ({ default: mod.App })),
    });
    app.addSettingsLink(
      { id: PLUGIN_ID, intlLabel: { id: getTranslationKey('plugin.name'), defaultMessage: 'Message Runs' } },
      {
        id: `${PLUGIN_ID}-mail`,
        to: PLUGIN_ID,
        intlLabel: { id: getTranslationKey('settings.title'), defaultMessage: 'Mail delivery' },
        permissions: PERMISSIONS.settings,
        Component: () => import('./pages/SettingsPage').then((mod) => ({ default: mod.SettingsPage })),
      }
    );
    app.customFields.register({
      name: MESSAGE_KEY_FIELD,
      pluginId: PLUGIN_ID,
      type: 'string',
      intlLabel: { id: getTranslationKey('keys.field.name'), defaultMessage: 'Message key' },
      intlDescription: {
        id: getTranslationKey('keys.field.description'),
        defaultMessage: 'A key that must match exactly, picked from the keys in use',
      },
      components: {
        Input: () => import('./components/MessageKeyInput').then((mod) => ({ default: mod.MessageKeyInput })),
      },
    });
    app.registerPlugin({ id: PLUGIN_ID, name: PLUGIN_ID });
  },

  async registerTrads({ locales }: { locales: string[] }) {
    return Promise.all(
      locales.map(async (locale) => {
        try {
          const { default: data } = await import(`./translations/${locale}.json`);
          return { data: prefixKeys(data), locale };
        } catch {
          return { data: {}, locale };
        }
      })
    );
  },
};

const prefixKeys = (data: Record<string, string>) =>
  Object.fromEntries(Object.entries(data).map(([key, value]) => [getTranslationKey(key), value]));
