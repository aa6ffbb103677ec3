// The demo's invitations (SEC-050): the invitations waiting for the signed-in user, each with
// Accept and Decline (and a field for the inviter's code when the server asks for it), and, for
// an organization's admins, a form that invites an address and shows the code to pass on.
// Server data reaches the DOM only through textContent / value.
import { acceptInvitation, discardInvitation, invite, myInvitations } from '/client/syncline.js';

const $ = (id) => document.getElementById(id);

/**
 * @param {import('/client/syncline.js').NetworkStatus} net
 * @param {() => string|null} currentOrg the organization the invite form sends to
 * @param {(orgId: string) => Promise<void>} onJoined called after an invitation was accepted
 */
export function initInvitations(net, currentOrg, onJoined) {
  $('invite-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const org = currentOrg();
    if (!org) return;
    $('invite-result').textContent = '';
    try {
      const sent = await invite(net, org, { email: $('invite-email').value.trim() }, $('invite-role').value);
      $('invite-email').value = '';
      $('invite-result').textContent = `Invited ${sent.email}. If they sign up after today, they need this code to join: `;
      const code = document.createElement('code');
      code.id = 'invite-code';
      code.textContent = sent.token;
      $('invite-result').append(code);
    } catch (e) {
      $('invite-result').textContent = e.message;
    }
  });
  return {
    /** Shows the invite form to admins of the open organization only. */
    showInviteForm(isAdmin) { $('invite-form').hidden = !isAdmin; $('invite-result').textContent = ''; },
    /** Lists the invitations waiting for the signed-in user. */
    async refresh() {
      let items = [];
      try { items = await myInvitations(net); } catch { /* offline: nothing to show */ }
      render(net, items, onJoined, () => this.refresh());
    },
  };
}

function render(net, items, onJoined, refresh) {
  $('invitations-view').hidden = items.length === 0;
  $('invitations').replaceChildren(...items.map((inv) => {
    const li = document.createElement('li');
    li.className = 'invitation';
    li.dataset.id = inv.id;
    const what = document.createElement('span');
    what.textContent = `${inv.organizationName} (as ${inv.role})`;
    li.append(what);
    const code = document.createElement('input');
    code.className = 'code';
    code.placeholder = 'code from the inviter';
    code.setAttribute('aria-label', 'Invitation code');
    code.hidden = !inv.tokenRequired;
    const accept = button('Accept', 'accept');
    const decline = button('Decline', 'decline');
    const error = document.createElement('span');
    error.className = 'error';
    accept.addEventListener('click', async () => {
      try {
        await acceptInvitation(net, inv.id, inv.tokenRequired ? code.value.trim() : undefined);
        await refresh();
        await onJoined(inv.organizationId);
      } catch (e) {
        error.textContent = e.message;
      }
    });
    decline.addEventListener('click', async () => {
      try { await discardInvitation(net, inv.id); } catch (e) { error.textContent = e.message; return; }
      await refresh();
    });
    li.append(code, accept, decline, error);
    return li;
  }));
}

function button(text, cls) {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = cls;
  b.textContent = text;
  return b;
}
