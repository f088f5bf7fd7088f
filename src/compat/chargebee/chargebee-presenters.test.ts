import assert from 'node:assert/strict';
import { it } from 'node:test';
import { grantState } from '../../domain/test-builders.ts';
import { grantSourceOf } from './chargebee-presenters.ts';

it("names a grant block's source as Chargebee does, including renewals and rollovers", () => {
  assert.equal(grantSourceOf(grantState({ category: 'promotional' })), 'promotional_grants');
  assert.equal(grantSourceOf(grantState({ category: 'paid' })), 'top_up');
  assert.equal(grantSourceOf(grantState({ source: 'recurring', scheduleId: 'sch_1' })), 'grant_renewal');
  assert.equal(grantSourceOf(grantState({ source: 'recurring', scheduleId: 'sch_1', rolledOver: 200n })), 'rollover');
  assert.equal(grantSourceOf(grantState({ category: 'promotional', rolledOver: 1n })), 'rollover');
});
