import { PLUGIN_ID } from '../../../shared/constants';

export const getTranslationKey = (key: string) => `${PLUGIN_ID}.${key}`;
