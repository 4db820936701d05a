/**
 * Each delivering instance's own pace (DESIGN.md §4, "Back-off"), for the settings page: lowered when
 * the server throttled it, raised step by step while the server accepts.
 */
export default {
  kind: 'collectionType',
  collectionName: 'message_delivery_instances',
  info: {
    singularName: 'delivery-instance',
    pluralName: 'delivery-instances',
    displayName: 'Message delivery instance',
    description: 'The pace of each instance that delivers messages',
  },
  options: { draftAndPublish: false },
  pluginOptions: {
    'content-manager': { visible: false },
    'content-type-builder': { visible: false },
  },
  attributes: {
    instance: { type: 'string', required: true },
    // Messages a second; null at full speed.
    pacePerSecond: { type: 'float' },
    lastThrottledAt: { type: 'datetime' },
    lastThrottle: { type: 'text' },
    seenAt: { type: 'datetime', required: true },
  },
  indexes: [{ name: 'message_delivery_instances_instance_uq', columns: ['instance'], type: 'unique' }],
};
