/** Vendor profiles of the test device: each maps trigger keys to the topic and data item that vendor sends. */
export type ProfileName = 'onvif' | 'hikvision' | 'reolink' | 'axis' | 'axis-old';
export declare const PROFILES: Record<ProfileName, Record<string, { topic: string; item: string; pulse?: boolean }>>;

export interface OnvifDeviceOptions {
  /** Default `hikvision`. */
  profile?: ProfileName;
  /** WS-Security UsernameToken credentials the device accepts. Default admin / secret. */
  username?: string;
  password?: string;
  /** Device clock minus real time, ms. Default 0. */
  clockOffsetMs?: number;
  /** Longest long-poll the device honours, whatever the client asks. Default 60. */
  maxPullSeconds?: number;
  /** Longest subscription lifetime granted by CreatePullPointSubscription and Renew. Default 3600. */
  maxTerminationSeconds?: number;
  host?: string;
  port?: number;
  /**
   * NotificationMessage elements (verbatim XML, e.g. from test/fixtures/onvif/) answered by the first pull of every new
   * subscription instead of the generated `Initialized` state of the profile.
   */
  initialMessages?: string[];
  /** What GetStreamUri answers: the main profile's stream and the sub profile's (null: a camera with one profile). */
  streams?: { main?: string; sub?: string | null };
  /** Answer WS-Discovery Probes on UDP 239.255.255.250:3702 (one such device at a time on a machine). */
  discovery?: boolean;
  /** A verbatim `<wstop:TopicSet>` answered by GetEventProperties (default: the profile's topics, nested as cameras do). */
  topicSet?: string;
}

export interface OnvifDevice {
  readonly port: number;
  readonly host: string;
  readonly profile: ProfileName;
  readonly username: string;
  readonly password: string;
  /** Requests per SOAP action, WS-Security rejections, Unsubscribe calls, subscriptions created. */
  readonly stats: { requests: Record<string, number>; authFailures: number; unsubscribes: number; subscriptionsCreated: number; probes?: number };
  /** Live pull-point subscriptions. */
  readonly subscriptions: number;
  /** Queue a `Changed` message for `key` (a key of the profile) on every subscription; returns Date.now(). */
  trigger(key: string, active?: boolean): number;
  /** Queue NotificationMessage elements (verbatim XML) on every subscription, as a camera would send them; returns Date.now(). */
  replay(xml: string | string[]): number;
  /** Change the state reported by the next `Initialized` messages without sending anything. */
  setState(key: string, active: boolean): void;
  setClockOffset(ms: number): void;
  /** While on, requests are read but never answered (pending long-polls too). */
  hang(on: boolean): void;
  /** The next `count` PullMessages answers are malformed XML, a SOAP fault, or a connection reset mid-body. */
  misbehave(kind: 'malformed' | 'fault' | 'reset', count?: number): void;
  /** Close the port and every connection, forgetting subscriptions (a reboot); goOnline listens again on the same port. */
  goOffline(): Promise<void>;
  goOnline(): Promise<void>;
  close(): Promise<void>;
}

export declare function startOnvifDevice(options?: OnvifDeviceOptions): Promise<OnvifDevice>;
