import { notFound } from '../domain/errors.ts';
import type { Page, PageRequest } from '../store/records.ts';
import type { InvoiceRecord, InvoiceStatus, PurchaseStatus } from '../store/payment-records.ts';
import type { AppDependencies, RequestContext } from './dependencies.ts';
import type { PurchaseWithInvoice } from './purchases.ts';

/** Purchases and invoices as they are now (the transitions keep them current; nothing is projected). */
export async function getPurchase(dependencies: AppDependencies, context: RequestContext, purchaseId: string): Promise<PurchaseWithInvoice> {
  const found = await dependencies.store.read(async (repository) => {
    const purchase = await repository.purchases.get(context.environment.id, purchaseId);
    const invoice = purchase && (await repository.invoices.get(context.environment.id, purchase.invoiceId));
    return purchase && invoice ? { purchase, invoice } : undefined;
  });
  if (!found) throw notFound('purchase', purchaseId, 'id');
  return found;
}

export async function listPurchases(
  dependencies: AppDependencies,
  context: RequestContext,
  filters: { customerId?: string; status?: PurchaseStatus },
  page: PageRequest,
): Promise<Page<PurchaseWithInvoice>> {
  return dependencies.store.read(async (repository) => {
    const purchases = await repository.purchases.list(context.environment.id, filters, page);
    const data: PurchaseWithInvoice[] = [];
    for (const purchase of purchases.data) data.push({ purchase, invoice: (await repository.invoices.get(context.environment.id, purchase.invoiceId))! });
    return { data, hasMore: purchases.hasMore };
  });
}

export async function getInvoice(dependencies: AppDependencies, context: RequestContext, invoiceId: string): Promise<InvoiceRecord> {
  const invoice = await dependencies.store.read((repository) => repository.invoices.get(context.environment.id, invoiceId));
  if (!invoice) throw notFound('invoice', invoiceId, 'id');
  return invoice;
}

export function listInvoices(
  dependencies: AppDependencies,
  context: RequestContext,
  filters: { customerId?: string; status?: InvoiceStatus },
  page: PageRequest,
): Promise<Page<InvoiceRecord>> {
  return dependencies.store.read((repository) => repository.invoices.list(context.environment.id, filters, page));
}
