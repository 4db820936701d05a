import type { Core } from '@strapi/strapi';
import { seedStartedRun } from '../../scripts/lib/bulk-run';

/**
 * A started run of `size` results, every one of them eligible, seeded set-based (as the benchmark
 * and the fault suite do). Each message's subject names its invoice, so a test can count deliveries per result.
 */
export async function seedRun(strapi: Core.Strapi, size: number) {
  const seeded = await seedStartedRun(strapi, { name: `bulk-${Date.now()}`, size });
  return {
    runDocumentId: seeded.runDocumentId as string,
    subjects: seeded.invoiceNumbers.map((number: string) => `Invoice ${number}`),
  };
}
