import { useIntl } from 'react-intl';
import { PLUGIN_ID } from '../../../shared/constants';

export const getTranslationKey = (key: string) => `${PLUGIN_ID}.${key}`;

type Values = Record<string, string | number | boolean | null | undefined | Date>;

/**
 * `t('runs.title', 'Message Runs')`: a message of the plugin's translations (translations/en.json
 * holds every English default; the second argument keeps the code readable and is the fallback).
 */
export function useT() {
  const { formatMessage } = useIntl();
  return (key: string, defaultMessage: string, values?: Values) =>
    formatMessage({ id: getTranslationKey(key), defaultMessage }, values);
}
