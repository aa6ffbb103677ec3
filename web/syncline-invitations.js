// Invitations (SEC-050, DESIGN §20): nobody becomes a member of an organization unasked. An
// admin invites an address or a user id; the invitee finds it in `myInvitations` and accepts or
// declines; an account made for the address after the invitation needs the token the inviter
// was given (addresses are never verified). Each call resolves to the server's answer and throws
// a SynclineRequestError (with `status` and the server's `code`) for anything else; status 0:
// the server could not be reached.
import { api } from './syncline-net.js';

export class SynclineRequestError extends Error {
  /** @param {number} status @param {any} body */
  constructor(status, body) {
    super(body?.error?.message ?? (status === 0 ? 'the server cannot be reached' : `HTTP ${status}`));
    this.name = 'SynclineRequestError';
    this.status = status;
    this.code = body?.error?.code ?? (status === 0 ? 'OFFLINE' : 'HTTP_ERROR');
  }
}

async function call(net, method, path, body, token) {
  const r = await api(net, method, path, body, token);
  if (r.status >= 200 && r.status < 300) return r.body;
  throw new SynclineRequestError(r.status, r.body);
}

const enc = encodeURIComponent;

/**
 * Invites `who` ({email} or {userId}) to the organization with a role (org admins only). The
 * answer is the same whether or not the address has an account; its `token` is shown only here.
 * @returns {Promise<{id: string, organizationId: string, role: string, token: string, expiresAt: string, email?: string, userId?: string}>}
 */
export function invite(net, orgId, who, role = 'member', token) {
  return call(net, 'POST', `/organizations/${enc(orgId)}/invitations`, { ...who, role }, token);
}

/** The organization's pending invitations, without tokens (org admins only). */
export async function orgInvitations(net, orgId, token) {
  return (await call(net, 'GET', `/organizations/${enc(orgId)}/invitations`, undefined, token)).items;
}

/** The invitations waiting for the signed-in user (`tokenRequired`: accept needs the token). */
export async function myInvitations(net, token) {
  return (await call(net, 'GET', '/me', undefined, token)).invitations ?? [];
}

/** Accepts an invitation addressed to the signed-in user; resolves to the new membership. */
export function acceptInvitation(net, id, invitationToken, token) {
  return call(net, 'POST', `/invitations/${enc(id)}/accept`, invitationToken ? { token: invitationToken } : {}, token);
}

/** Declines (the invitee) or revokes (an admin of its organization) an invitation. */
export async function discardInvitation(net, id, token) {
  // {}: a change signed by the session cookie must be JSON (SEC-050), even without a body.
  await call(net, 'DELETE', `/invitations/${enc(id)}`, {}, token);
}
