import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Role } from './users.js';

/**
 * The hosted app's sign-in sessions (issue 15), in a DynamoDB table of their own (Terraform `web.tf`): the Lambda
 * keeps nothing between requests, and signing out must end a session for every copy of its cookie. One item per
 * session, keyed by the sha256 of the cookie's value (a copy of the table signs nobody in). It holds who signed in
 * and what the user pool said about them (role, sites) at the last check, and the pool's refresh token, with which
 * the app asks the pool again when the ID token it checked has expired (a disabled user, or one removed from a
 * site's group, loses access then). `expiresAt` (epoch seconds) is the table's TTL attribute: DynamoDB deletes
 * sessions past their absolute end by itself (no TTL in dynalite: nothing here relies on it, every read checks the
 * times). The decisions are serve/auth/session-policy.ts's; this module only stores.
 */

export interface HostedSession {
  idHash: string;
  /** The pool's user name. */
  user: string;
  role: Role;
  /** The sites of their groups; null: every site (admins). */
  sites: string[] | null;
  signedInMs: number;
  seenMs: number;
  /** When the pool is asked again (the expiry of the last ID token checked). */
  checkMs: number;
  refreshToken: string;
  /** TTL, epoch seconds: the session's absolute end. */
  expiresAt: number;
}

export interface HostedSessionStore {
  /** The session with this id hash (a strongly consistent read: a session just ended is never found). */
  get(idHash: string): Promise<HostedSession | undefined>;
  put(s: HostedSession): Promise<void>;
  /** Notes a request at `nowMs` (idle expiry counts from the last one); never moves it back. */
  touch(idHash: string, nowMs: number): Promise<void>;
  /** What the pool said at a new check. */
  recheck(idHash: string, r: { role: Role; sites: string[] | null; checkMs: number }): Promise<void>;
  delete(idHash: string): Promise<void>;
}

/** The table (declared by infra/terraform/web.tf: keep them in step); this definition creates it for tests and benchmarks. */
export function sessionsTableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [{ AttributeName: 'idHash', AttributeType: 'S' }],
    KeySchema: [{ AttributeName: 'idHash', KeyType: 'HASH' }],
  };
}

const isConditionFailure = (err: unknown) => (err as { name?: string }).name === 'ConditionalCheckFailedException';

export function dynamoSessionStore(doc: DynamoDBDocumentClient, table: string): HostedSessionStore {
  return {
    async get(idHash) {
      const { Item } = await doc.send(new GetCommand({ TableName: table, Key: { idHash }, ConsistentRead: true }));
      return Item as HostedSession | undefined;
    },
    async put(s) {
      await doc.send(new PutCommand({ TableName: table, Item: s }));
    },
    async touch(idHash, nowMs) {
      try {
        await doc.send(new UpdateCommand({
          TableName: table, Key: { idHash }, UpdateExpression: 'SET seenMs = :now',
          ConditionExpression: 'attribute_exists(idHash) AND seenMs < :now', ExpressionAttributeValues: { ':now': nowMs },
        }));
      } catch (err) {
        if (!isConditionFailure(err)) throw err; // ended meanwhile, or another request touched it later: fine
      }
    },
    async recheck(idHash, r) {
      try {
        await doc.send(new UpdateCommand({
          TableName: table, Key: { idHash }, UpdateExpression: 'SET #role = :role, sites = :sites, checkMs = :check',
          ConditionExpression: 'attribute_exists(idHash)', ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':role': r.role, ':sites': r.sites, ':check': r.checkMs },
        }));
      } catch (err) {
        if (!isConditionFailure(err)) throw err; // signed out meanwhile: stays ended
      }
    },
    async delete(idHash) {
      await doc.send(new DeleteCommand({ TableName: table, Key: { idHash } }));
    },
  };
}
