import { createIdFactory } from '../app/ids.ts';

/** IDs for webhook deliveries (`whd_`) and their attempts (`wha_`): sortable, so lists are newest first. */
const newId = createIdFactory();

export const newDeliveryId = (): string => newId('whd');
export const newAttemptId = (): string => newId('wha');
