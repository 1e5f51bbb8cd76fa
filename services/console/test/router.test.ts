/**
 * The app's paths: which page each names, and what of a list's state the URL may hold (an offset
 * and a status; never free text, which could be someone's name).
 */
import t from 'tap';
import { routeOf } from '../src/routes.ts';

t.test('each path names its page', async (t) => {
  t.same(routeOf('/', ''), { page: 'claims', offset: 0, status: undefined, sort: 'newest' });
  t.same(routeOf('/claims', '?status=withdrawn&offset=40'), { page: 'claims', offset: 40, status: 'withdrawn', sort: 'newest' });
  t.same(routeOf('/personal-data-reads', '?offset=20'), { page: 'reads', offset: 20 });
  t.same(routeOf('/inbox', ''), { page: 'inbox', offset: 0 });
  t.same(routeOf('/erasure', '?claim=0b7d3c52-7e0e-4b43-9d5f-1c2a3b4c5d6e'), { page: 'erasure', claimId: '0b7d3c52-7e0e-4b43-9d5f-1c2a3b4c5d6e' });
  t.same(routeOf('/erasure', ''), { page: 'erasure', claimId: '' });
  t.same(routeOf('/claims/0b7d3c52-7e0e-4b43-9d5f-1c2a3b4c5d6e', ''), { page: 'claim', claimId: '0b7d3c52-7e0e-4b43-9d5f-1c2a3b4c5d6e' });
  t.same(routeOf('/claims', '?sort=oldest'), { page: 'claims', offset: 0, status: undefined, sort: 'oldest' });
  t.same(routeOf('/funds', ''), { page: 'funds', year: undefined });
  t.same(routeOf('/funds', '?year=2025'), { page: 'funds', year: 2025 });
  t.same(routeOf('/monitoring', '?year=2025'), { page: 'monitoring', year: 2025 });
  t.same(routeOf('/monitoring', ''), { page: 'monitoring', year: undefined });
  t.same(routeOf('/payments', ''), { page: 'payments' });
  t.same(routeOf('/payment-runs/0b7d3c52-7e0e-4b43-9d5f-1c2a3b4c5d6e', ''), { page: 'payment-run', runId: '0b7d3c52-7e0e-4b43-9d5f-1c2a3b4c5d6e' });
  t.same(routeOf('/bank-statements', ''), { page: 'bank-statements', offset: 0, state: undefined });
  t.same(routeOf('/bank-statements', '?offset=20&state=unresolved'), { page: 'bank-statements', offset: 20, state: 'unresolved' });
  t.same(routeOf('/bank-statements', '?state=whatever'), { page: 'bank-statements', offset: 0, state: undefined }, 'an unknown state is none');
  t.same(routeOf('/payment-runs', ''), { page: 'payment-runs', offset: 0, status: undefined });
  t.same(routeOf('/payment-runs', '?status=released&offset=40'), { page: 'payment-runs', offset: 40, status: 'released' });
  t.same(routeOf('/payment-runs', '?status=paid'), { page: 'payment-runs', offset: 0, status: undefined });
  t.same(routeOf(`/bank-statements/${'ab'.repeat(32)}`, ''), { page: 'bank-statement', statementId: 'ab'.repeat(32) });
  t.same(routeOf('/bank-statements/STMT-1', ''), { page: 'not-found' }, 'a statement is named by its digest alone');
  t.same(routeOf('/nowhere', ''), { page: 'not-found' });
});

t.test('what the URL cannot carry is dropped', async (t) => {
  t.same(routeOf('/claims', '?offset=-5'), { page: 'claims', offset: 0, status: undefined, sort: 'newest' }, 'a negative offset');
  t.same(routeOf('/claims', '?offset=abc'), { page: 'claims', offset: 0, status: undefined, sort: 'newest' }, 'not a number');
  t.same(routeOf('/claims', '?status=Milica%20Test'), { page: 'claims', offset: 0, status: undefined, sort: 'newest' }, 'a status that is no status word');
  t.same(routeOf('/claims', '?sort=name'), { page: 'claims', offset: 0, status: undefined, sort: 'newest' }, 'an order that is none of ours');
  t.same(routeOf('/funds', '?year=twenty'), { page: 'funds', year: undefined }, 'a year that is no year');
  t.same(routeOf('/monitoring', '?year=20x5'), { page: 'monitoring', year: undefined }, 'a year that is no year');
  t.same(routeOf('/monitoring', '?year=99999'), { page: 'monitoring', year: undefined }, 'a year beyond four digits');
  t.same(routeOf('/claims', '?text=Milica'), { page: 'claims', offset: 0, status: undefined, sort: 'newest' }, 'search text is not read from the URL');
});
