import type { Metadata, sendUnaryData, ServerUnaryCall, ServerWritableStream, UntypedServiceImplementation } from '@grpc/grpc-js';
import usersPb from '@eventstore/db-client/generated/users_pb.js';
import { AccessDenied, InvalidRequest } from '../errors.js';
import { isAdmin, type Principal } from '../security/acl.js';
import type { Guard } from '../security/guard.js';
import type { UserDetails, Users } from '../security/users.js';
import { toServiceError } from './protocol.js';

/**
 * The Users service (users.proto; Services/Transport/Grpc/Users.*.cs of KurrentDB). Who may call
 * what is LegacyPolicySelectorFactory.cs: creating, updating, deleting, enabling, disabling a
 * user and resetting a password are for `$admins`; reading details and changing a password are
 * for any authenticated user (the server checks the current password, not who asks).
 */
export function usersService(guard: Guard, users: Users): UntypedServiceImplementation {
  type Unary<Req> = ServerUnaryCall<Req, unknown>;
  /** A unary call: authorise, act, answer an empty response or the error as the server maps it. */
  const unary = <Req>(adminOnly: boolean, act: (req: Req) => Promise<void>, empty: () => unknown) =>
    (call: Unary<Req>, callback: sendUnaryData<unknown>): void => {
      Promise.resolve()
        .then(() => authorise(guard, call.metadata, adminOnly))
        .then(() => act(call.request))
        .then(() => callback(null, empty()), (err: unknown) => callback(toServiceError(err)));
    };
  type WithLogin = { getOptions(): { getLoginName(): string } | undefined };
  const login = (req: WithLogin): string => {
    const name = req.getOptions()?.getLoginName();
    if (!name) throw new InvalidRequest('a login name is required');
    return name;
  };
  return {
    create: unary<usersPb.CreateReq>(true, (req) => {
      const o = req.getOptions();
      return users.create(login(req), o!.getFullName(), o!.getGroupsList(), o!.getPassword());
    }, () => new usersPb.CreateResp()),
    update: unary<usersPb.UpdateReq>(true, (req) => users.update(login(req), req.getOptions()!.getFullName(), req.getOptions()!.getGroupsList()), () => new usersPb.UpdateResp()),
    delete: unary<usersPb.DeleteReq>(true, (req) => users.delete(login(req)), () => new usersPb.DeleteResp()),
    enable: unary<usersPb.EnableReq>(true, (req) => users.enable(login(req)), () => new usersPb.EnableResp()),
    disable: unary<usersPb.DisableReq>(true, (req) => users.disable(login(req)), () => new usersPb.DisableResp()),
    resetPassword: unary<usersPb.ResetPasswordReq>(true, (req) => users.resetPassword(login(req), req.getOptions()!.getNewPassword()), () => new usersPb.ResetPasswordResp()),
    changePassword: unary<usersPb.ChangePasswordReq>(false, (req) => {
      const o = req.getOptions()!;
      return users.changePassword(login(req), o.getCurrentPassword(), o.getNewPassword(), () => new AccessDenied());
    }, () => new usersPb.ChangePasswordResp()),
    details: (call: ServerWritableStream<usersPb.DetailsReq, usersPb.DetailsResp>): void => {
      try {
        authorise(guard, call.metadata, false);
        // No login: every user (UserManagementMessage.GetAll), sorted by login.
        const name = call.request.getOptions()?.getLoginName();
        const found = name ? [users.details(name)] : users.all();
        for (const user of found) call.write(detailsResp(user));
        call.end();
      } catch (err) {
        call.emit('error', toServiceError(err));
      }
    },
  };
}

/** Anonymous callers never pass; admin-only operations need `$admins` (or the user `admin`). */
function authorise(guard: Guard, metadata: Metadata, adminOnly: boolean): Principal {
  const principal = guard.principal(metadata);
  if (!principal) throw new AccessDenied();
  if (adminOnly && !isAdmin(principal)) throw new AccessDenied();
  return principal;
}

function detailsResp(user: UserDetails): usersPb.DetailsResp {
  const details = new usersPb.DetailsResp.UserDetails()
    .setLoginName(user.loginName)
    .setFullName(user.fullName)
    .setGroupsList(user.groups)
    .setDisabled(user.disabled)
    .setLastUpdated(new usersPb.DetailsResp.UserDetails.DateTime().setTicksSinceEpoch(String(user.lastUpdatedTicks)));
  return new usersPb.DetailsResp().setUserDetails(details);
}
