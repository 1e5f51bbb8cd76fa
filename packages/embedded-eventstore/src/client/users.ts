/**
 * The client side of user management on any EventStoreDB/KurrentDB node, this store included:
 * the `Users` gRPC service of users.proto, which @eventstore/db-client 6.2.1 ships as generated
 * stubs but offers no method for. These calls go over the client's own connection (its channel, TLS, credentials and leader selection) and fail
 * with the client's own errors (`AccessDeniedError`, `LoginNotFoundError`, `LoginConflictError`).
 * The caller must be in `$admins`, except to read details or change a password.
 */
import { convertToCommandError, type EventStoreDBClient } from '@eventstore/db-client';
import usersGrpc from '@eventstore/db-client/generated/users_grpc_pb.js';
import usersPb from '@eventstore/db-client/generated/users_pb.js';

export interface UserDetails {
  loginName: string;
  fullName: string;
  groups: string[];
  disabled: boolean;
  /** When the user was last changed, if the server says. */
  lastUpdated?: Date;
}

type Callback = (error: Error | null) => void;
type UsersStub = InstanceType<typeof usersGrpc.UsersClient>;

interface ClientInternals {
  execute<T>(Client: unknown, debugName: string, action: (client: UsersStub) => Promise<T>): Promise<T>;
  callArguments(options: object): [unknown, unknown];
}

/** .NET ticks (100 ns) since the Unix epoch. */
const dateOfTicks = (ticks: string): Date => new Date(Number(BigInt(ticks) / 10_000n));

export class EventStoreUsers {
  private readonly internals: ClientInternals;

  constructor(client: EventStoreDBClient) {
    this.internals = client as unknown as ClientInternals;
  }

  createUser(loginName: string, fullName: string, groups: string[], password: string): Promise<void> {
    const o = new usersPb.CreateReq.Options().setLoginName(loginName).setFullName(fullName).setGroupsList(groups).setPassword(password);
    return this.unary('createUser', (stub, args, done) => stub.create(new usersPb.CreateReq().setOptions(o), ...args, done));
  }

  /** Full name and groups; the password stays (UserManagementService.Handle(Update)). */
  updateUser(loginName: string, fullName: string, groups: string[]): Promise<void> {
    const o = new usersPb.UpdateReq.Options().setLoginName(loginName).setFullName(fullName).setGroupsList(groups);
    return this.unary('updateUser', (stub, args, done) => stub.update(new usersPb.UpdateReq().setOptions(o), ...args, done));
  }

  deleteUser(loginName: string): Promise<void> {
    const o = new usersPb.DeleteReq.Options().setLoginName(loginName);
    return this.unary('deleteUser', (stub, args, done) => stub.delete(new usersPb.DeleteReq().setOptions(o), ...args, done));
  }

  enableUser(loginName: string): Promise<void> {
    const o = new usersPb.EnableReq.Options().setLoginName(loginName);
    return this.unary('enableUser', (stub, args, done) => stub.enable(new usersPb.EnableReq().setOptions(o), ...args, done));
  }

  disableUser(loginName: string): Promise<void> {
    const o = new usersPb.DisableReq.Options().setLoginName(loginName);
    return this.unary('disableUser', (stub, args, done) => stub.disable(new usersPb.DisableReq().setOptions(o), ...args, done));
  }

  resetPassword(loginName: string, newPassword: string): Promise<void> {
    const o = new usersPb.ResetPasswordReq.Options().setLoginName(loginName).setNewPassword(newPassword);
    return this.unary('resetPassword', (stub, args, done) => stub.resetPassword(new usersPb.ResetPasswordReq().setOptions(o), ...args, done));
  }

  changePassword(loginName: string, currentPassword: string, newPassword: string): Promise<void> {
    const o = new usersPb.ChangePasswordReq.Options().setLoginName(loginName).setCurrentPassword(currentPassword).setNewPassword(newPassword);
    return this.unary('changePassword', (stub, args, done) => stub.changePassword(new usersPb.ChangePasswordReq().setOptions(o), ...args, done));
  }

  async getUserDetails(loginName: string): Promise<UserDetails> {
    const [user] = await this.details(loginName);
    if (!user) throw new Error(`the server sent no details for ${loginName}`);
    return user;
  }

  /** Every user, sorted by login. */
  listAllUsers(): Promise<UserDetails[]> {
    return this.details('');
  }

  private details(loginName: string): Promise<UserDetails[]> {
    const req = new usersPb.DetailsReq().setOptions(new usersPb.DetailsReq.Options().setLoginName(loginName));
    return this.internals.execute(usersGrpc.UsersClient, 'userDetails', (stub) => new Promise<UserDetails[]>((resolve, reject) => {
      const found: UserDetails[] = [];
      const [metadata, options] = this.internals.callArguments({});
      const call = stub.details(req, metadata as never, options as never);
      call.on('data', (resp: usersPb.DetailsResp) => {
        const d = resp.getUserDetails();
        if (!d) return;
        const ticks = d.getLastUpdated()?.getTicksSinceEpoch();
        found.push({
          loginName: d.getLoginName(), fullName: d.getFullName(), groups: d.getGroupsList(), disabled: d.getDisabled(),
          ...(ticks ? { lastUpdated: dateOfTicks(ticks) } : {}),
        });
      });
      call.on('error', (error: Error) => reject(convertToCommandError(error)));
      call.on('end', () => resolve(found));
    }));
  }

  private unary(name: string, send: (stub: UsersStub, args: [never, never], done: Callback) => unknown): Promise<void> {
    return this.internals.execute(usersGrpc.UsersClient, name, (stub) => new Promise<void>((resolve, reject) => {
      send(stub, this.internals.callArguments({}) as [never, never], (error) => (error ? reject(convertToCommandError(error)) : resolve()));
    }));
  }
}
