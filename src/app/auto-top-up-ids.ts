import { createIdFactory } from './ids.ts';

/** IDs for saved payment methods (`pm_`) and auto top-ups (`atu_`): sortable like every other ID. */
const newId = createIdFactory();

export const newAutoTopUpId = (): string => newId('atu');
export const newPaymentMethodId = (): string => newId('pm');
