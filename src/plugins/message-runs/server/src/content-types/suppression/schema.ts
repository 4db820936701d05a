import { SUPPRESSION_REASONS } from '../../../../shared/constants';

/**
 * Addresses no message goes to (DESIGN.md §3, "Suppression"): hard-bounced and complained ones are
 * added by the delivery reports, and admins add or remove any in the Content Manager. `address` is
 * stored lower-cased (the plugin's document middleware lower-cases it), unique.
 */
export default {
  kind: 'collectionType',
  collectionName: 'message_suppressions',
  info: {
    singularName: 'suppression',
    pluralName: 'suppressions',
    displayName: 'Suppressed address',
    description: 'An email address that messages are not sent to',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: true },
    'content-type-builder': { visible: false },
  },
  attributes: {
    address: { type: 'email', required: true, unique: true },
    reason: { type: 'enumeration', enum: [...SUPPRESSION_REASONS], default: 'manual', required: true },
    // Where it came from: the report (`imap`, `mailgun`, …) and its status code, or the admin's note.
    source: { type: 'string' },
  },
  indexes: [{ name: 'message_suppressions_address_uq', columns: ['address'], type: 'unique' }],
};
