import type { Core } from '@strapi/strapi';
import { CONTENT_MANAGER_LABELS } from './content-manager-labels';

interface FieldMetadata {
  edit?: { label?: string; description?: string | null };
  list?: { label?: string };
}

/**
 * Fills in the labels and descriptions of CONTENT_MANAGER_LABELS where a field still has Strapi's
 * default (its own name as label, no description), so what an admin sets in "Configure the view"
 * is kept: safe to run on every boot. Returns the uids whose configuration it changed.
 */
export async function applyContentManagerLabels(strapi: Core.Strapi) {
  const changed: string[] = [];
  for (const [uid, fields] of Object.entries(CONTENT_MANAGER_LABELS)) {
    const isComponent = !uid.includes('::');
    const service = strapi.plugin('content-manager').service(isComponent ? 'components' : 'content-types');
    const model = isComponent ? service.findComponent(uid) : service.findContentType(uid);
    if (!model) continue;
    const configuration = await service.findConfiguration(model);
    const metadatas: Record<string, FieldMetadata> = configuration.metadatas;
    let dirty = false;
    for (const [field, help] of Object.entries(fields)) {
      const metadata = metadatas[field];
      if (!metadata?.edit) continue;
      if (!metadata.edit.label || metadata.edit.label === field) {
        metadata.edit.label = help.label;
        dirty = true;
      }
      if (!metadata.edit.description) {
        metadata.edit.description = help.description;
        dirty = true;
      }
      if (metadata.list && (!metadata.list.label || metadata.list.label === field)) {
        metadata.list.label = help.label;
        dirty = true;
      }
    }
    if (dirty) {
      await service.updateConfiguration(model, { metadatas });
      changed.push(uid);
    }
  }
  return changed;
}
