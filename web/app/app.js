// The /app demo: sign in, pick an organization, list/create/edit/delete pages on top of
// /client/syncline.js, with an online/offline/pending indicator, a "work offline" toggle and
// the conflict dialog. Server data only ever reaches the DOM through textContent / value,
// never as HTML. The session lives in the HttpOnly cookie the server sets on sign-in.

import { SynclineClient, api, NetworkStatus } from '/client/syncline.js';
import { initInvitations } from '/app/app-invitations.js';

const $ = (id) => document.getElementById(id);
const ORG_KEY = 'syncline-demo-org';
const net = new NetworkStatus(''); // for the few calls made before a client exists

/** @type {SynclineClient|null} */
let client = null;
let user = null;
let showing = null; // the conflict the dialog shows
let roleLine = ''; // what #role says while the stream is fine
let resolving = false;
// Invitations waiting for this user, and the admins' invite form.
const invitations = initInvitations(net, () => client?.org ?? null, async (orgId) => {
  const r = await api(net, 'GET', '/organizations');
  if (r.status === 200) fillOrgs(r.body.items);
  await openOrg(orgId);
});
// For tests and the curious: the running client.
window.synclineDemo = { get client() { return client; } };

async function main() {
  $('sign-in-form').addEventListener('submit', onSignIn);
  $('sign-out').addEventListener('click', onSignOut);
  $('org-select').addEventListener('change', () => openOrg($('org-select').value));
  $('create-form').addEventListener('submit', onCreate);
  $('offline-toggle').addEventListener('change', (e) => client?.setForcedOffline(e.target.checked));
  // The choice is taken on submit, before the dialog closes: its 'close' event comes later, as
  // a task, possibly after the dialog was reopened for the next conflict.
  $('conflict-dialog').querySelector('form').addEventListener('submit', onConflictChoice);
  // A conflict needs a decision: Escape does not dismiss the dialog.
  $('conflict-dialog').addEventListener('cancel', (e) => e.preventDefault());
  const me = await api(net, 'GET', '/me');
  if (me.status === 200) await signedIn(me.body.user);
  else if (me.status === 0) showOfflineStart();
  else show('sign-in');
}

function show(view) {
  $('sign-in-view').hidden = view !== 'sign-in';
  $('org-view').hidden = view !== 'org';
  $('sign-out').hidden = view === 'sign-in';
  if (view === 'sign-in') {
    $('indicator').textContent = 'signed out';
    $('indicator').dataset.state = 'offline';
  }
}

// Offline at page load: the last org opened here still works from IndexedDB.
function showOfflineStart() {
  const last = JSON.parse(localStorage.getItem(ORG_KEY) || 'null');
  if (!last) {
    $('indicator').textContent = 'offline';
    return;
  }
  user = { id: last.userId, name: '' };
  fillOrgs([last.org]);
  show('org');
  openOrg(last.org.id);
}

async function onSignIn(ev) {
  ev.preventDefault();
  $('sign-in-error').textContent = '';
  const r = await api(net, 'POST', '/auth/sign-in', { email: $('email').value, password: $('password').value });
  if (r.status === 200) return signedIn(r.body.user);
  $('sign-in-error').textContent = r.status === 0 ? 'The server cannot be reached.' : r.body?.error?.message ?? `Sign-in failed (${r.status}).`;
}

async function onSignOut() {
  client?.stop();
  client = null;
  await api(net, 'POST', '/auth/sign-out', {});  // JSON: what a cookie-signed change must be
  localStorage.removeItem(ORG_KEY);
  user = null;
  $('who').textContent = '';
  $('invitations-view').hidden = true;
  invitations.showInviteForm(false);
  show('sign-in');
}

async function signedIn(u) {
  user = u;
  $('who').textContent = u.name || u.email;
  const r = await api(net, 'GET', '/organizations');
  const orgs = r.status === 200 ? r.body.items : [];
  fillOrgs(orgs);
  show('org');
  invitations.showInviteForm(false); // until an org of which this user is an admin opens
  await invitations.refresh();
  const last = JSON.parse(localStorage.getItem(ORG_KEY) || 'null');
  const pick = orgs.find((o) => o.id === last?.org?.id) ?? orgs[0];
  if (pick) await openOrg(pick.id);
  else $('role').textContent = 'You are not a member of any organization yet.';
}

function fillOrgs(orgs) {
  const sel = $('org-select');
  sel.replaceChildren(...orgs.map((o) => {
    const opt = document.createElement('option');
    opt.value = o.id;
    opt.textContent = o.name;
    opt.dataset.org = JSON.stringify(o);
    return opt;
  }));
}

async function openOrg(orgId) {
  const opt = [...$('org-select').options].find((o) => o.value === orgId);
  if (!opt) return;
  $('org-select').value = orgId;
  const org = JSON.parse(opt.dataset.org);
  roleLine = org.role ? `your role: ${org.role}` : '';
  $('role').textContent = roleLine;
  invitations.showInviteForm(org.role === 'admin');
  localStorage.setItem(ORG_KEY, JSON.stringify({ org, userId: user.id }));
  client?.stop();
  const c = new SynclineClient({ org: orgId, dbName: `syncline-${user.id}`, manual: true });
  client = c;
  for (const ev of ['change', 'status', 'mutation', 'conflict', 'presence']) c.addEventListener(ev, scheduleRender);
  c.addEventListener('error', (e) => {
    $('role').textContent = e.detail.code === 'forbidden'
      ? 'stream closed: forbidden (you are not a member of this organization)'
      : e.detail.code === 'unauthorized' ? 'signed out (401): sign in again; retrying' : `stream error: ${e.detail.code}`;
  });
  await c.start();
  if (client !== c) return;
  c.presence.set(null, { name: myName() }); // here, on no page yet
  $('offline-toggle').disabled = false;
  render();
}

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  queueMicrotask(() => {
    renderQueued = false;
    render();
  });
}

function render() {
  if (!client) return;
  // A 401 is temporary: once the stream is back, so is the normal line.
  if (client.status.stream === 'live' && $('role').textContent !== roleLine) $('role').textContent = roleLine;
  renderIndicator(client.status);
  renderPages();
  renderConflict();
}

const STREAM_LABEL = {
  live: 'live', unknown: 'following', forbidden: 'no access (403)', unauthorized: 'signed out (401)',
};

function renderIndicator(s) {
  const ind = $('indicator');
  const parts = [s.online ? 'online' : s.forcedOffline ? 'offline (forced)' : 'offline'];
  const refused = s.stream === 'forbidden' || s.stream === 'unauthorized';
  if (s.online) parts.push(STREAM_LABEL[s.stream] ?? s.stream);
  parts.push(`${s.pending} pending`);
  if (s.conflicts) parts.push(`${s.conflicts} conflict${s.conflicts > 1 ? 's' : ''}`);
  parts.push(s.leader ? 'leader tab' : 'follower tab');
  ind.textContent = parts.join(' · ');
  ind.dataset.state = refused ? s.stream : s.conflicts ? 'conflict' : !s.online ? 'offline' : s.pending ? 'pending' : 'online';
  ind.dataset.leader = String(s.leader);
  ind.dataset.stream = s.stream;
  ind.dataset.pending = String(s.pending);
  $('offline-toggle').checked = s.forcedOffline;
}

// Presence (DESIGN §21): who else is here, and on which page doing what.
const myName = () => user?.name || user?.email || 'someone';
const others = (entity) => client.presence.list(entity).filter((p) => p.clientId !== client.presence.clientId);
const doing = (p) => `${p.state?.name ?? 'someone'}${p.state?.editing ? ` editing ${p.state.editing}` : ' viewing'}`;

function renderHere() {
  const names = [...new Set(others().map((p) => p.state?.name ?? 'someone'))];
  $('here').textContent = names.length ? `also here: ${names.join(', ')}` : '';
}

function renderPages() {
  renderHere();
  const list = $('pages');
  const pages = client.list('page').sort((a, b) =>
    (a.displayOrder ?? 0) - (b.displayOrder ?? 0) || String(a.createdAt ?? '~').localeCompare(String(b.createdAt ?? '~')) ||
    String(a.id).localeCompare(String(b.id)));
  const rows = new Map([...list.children].map((li) => [li.dataset.id, li]));
  const ordered = pages.map((p) => {
    const li = rows.get(p.id) ?? newRow(p.id);
    rows.delete(p.id);
    const input = li.querySelector('.name');
    // Never overwrite what the user is typing.
    if (document.activeElement !== input && input.value !== String(p.name ?? '')) input.value = p.name ?? '';
    const st = client.entityState('page', p.id);
    li.dataset.pending = String(st.pending);
    li.dataset.conflicted = String(st.conflicted);
    li.querySelector('.badge').textContent = st.conflicted ? 'conflict' : st.pending ? 'pending' : client.entity('page', p.id) ? 'synced' : '';
    li.querySelector('.present').textContent = others({ type: 'page', id: p.id }).map(doing).join(', ');
    return li;
  });
  for (const li of rows.values()) li.remove();
  ordered.forEach((li, i) => { if (list.children[i] !== li) list.insertBefore(li, list.children[i] ?? null); });
  $('empty').hidden = pages.length > 0;
}

function newRow(id) {
  const li = $('page-row').content.firstElementChild.cloneNode(true);
  li.dataset.id = id;
  const input = li.querySelector('.name');
  const save = () => {
    const cur = client.get('page', id);
    const v = input.value.trim();
    if (cur && v && v !== cur.name) client.update('page', id, { name: v });
    else if (cur) input.value = cur.name;
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') input.blur();
    if (e.key === 'Escape') { input.value = client.get('page', id)?.name ?? ''; input.blur(); }
  });
  input.addEventListener('blur', () => {
    save();
    client.presence.set(null, { name: myName() });
  });
  input.addEventListener('focus', () => client.presence.set({ type: 'page', id }, { name: myName(), editing: 'name' }));
  li.querySelector('.delete').addEventListener('click', () => client.remove('page', id));
  return li;
}

async function onCreate(ev) {
  ev.preventDefault();
  const name = $('new-name').value.trim();
  if (!name || !client) return;
  $('new-name').value = '';
  await client.create('page', { name });
}

function label(v) {
  return v === null || v === undefined ? '(empty)' : typeof v === 'string' ? v : JSON.stringify(v);
}

// Shows `text` in `el` with the [start, end) code-point ranges marked (a merge: text conflict's
// parts both sides changed, DESIGN §21). Text nodes only: nothing is parsed as HTML.
function showMarked(el, text, ranges) {
  el.replaceChildren();
  if (typeof text !== 'string' || !ranges?.length) return void (el.textContent = label(text));
  const cps = Array.from(text);
  let at = 0;
  for (const [start, end] of ranges) {
    el.append(cps.slice(at, start).join(''));
    const mark = document.createElement('mark');
    mark.textContent = cps.slice(start, end).join('') || '\u2038'; // an insertion point: a caret
    el.append(mark);
    at = end;
  }
  el.append(cps.slice(at).join(''));
}

function showSides(c) {
  const three = typeof c.base === 'string';
  $('conflict-base-side').hidden = !three;
  $('conflict-base-side').parentElement.classList.toggle('three', three);
  const side = (k) => (c.ranges ?? []).map((r) => r[k]).filter(Boolean);
  if (three) showMarked($('conflict-base'), c.base, side('base'));
  if (c.field) showMarked($('conflict-mine'), c.mine, side('mine'));
  else $('conflict-mine').textContent = '(delete)';
  showMarked($('conflict-server'), c.server, side('server'));
}

function renderConflict() {
  const dlg = $('conflict-dialog');
  if (resolving) return;
  if (dlg.open) {
    // Resolved elsewhere (another tab), or gone with its entity: nothing left to decide here.
    // Still open: an edit of the field may have changed "mine" (it folds into the conflict).
    const cur = showing && client.conflicts().find((c) => c.seq === showing.seq);
    if (!cur) {
      showing = null;
      dlg.close('');
    } else {
      showing = cur;
      showSides(cur);
    }
    return;
  }
  const c = client.conflicts()[0];
  if (!c) return;
  showing = c;
  const name = client.get('page', c.id)?.name ?? c.id;
  $('conflict-what').textContent = c.field
    ? `"${c.field}" of ${c.type} "${name}" was changed on the server while you edited it.`
    : `${c.type} "${name}" was changed on the server; your delete was not applied.`;
  showSides(c);
  $('conflict-merge').value = typeof c.mine === 'string' ? c.mine : JSON.stringify(c.mine ?? null);
  $('merge').hidden = !c.field;
  $('conflict-merge').parentElement.hidden = !c.field;
  dlg.returnValue = '';
  dlg.showModal();
}

async function onConflictChoice(ev) {
  const c = showing;
  showing = null;
  const choice = ev.submitter?.value;
  if (!c || !client || !['mine', 'server', 'merge'].includes(choice)) return;
  let value;
  if (choice === 'merge') {
    // Strings stay strings; other fields take JSON.
    value = $('conflict-merge').value;
    if (typeof c.mine !== 'string') try { value = JSON.parse(value); } catch { /* keep the text */ }
  }
  resolving = true; // until the outbox says so, the conflict is still listed: do not reopen it
  try {
    await client.resolve(c.seq, choice, value); // null: another tab resolved it first
  } finally {
    resolving = false;
    scheduleRender(); // the next conflict, if any
  }
}

main();
