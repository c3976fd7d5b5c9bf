// A test ONVIF camera written from the ONVIF Core spec and the device, media and event service WSDLs:
// SOAP 1.2 over HTTP, WS-Security UsernameToken PasswordDigest, PullPoint subscriptions with long-poll.
// Plain JS (with index.d.mts) so that both the vitest suites and the bench (plain node) can import it.
// Control: trigger vendor topics, replay NotificationMessages that real cameras sent (verbatim XML from
// test/fixtures/onvif/), skew the clock, go offline, hang, answer with malformed XML, faults or connections reset in
// the middle of a body.
import { createHash, randomUUID } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { createServer } from 'node:http';
import { XMLParser } from 'fast-xml-parser';

const NS = {
  s: 'http://www.w3.org/2003/05/soap-envelope',
  wsa: 'http://www.w3.org/2005/08/addressing',
  wsnt: 'http://docs.oasis-open.org/wsn/b-2',
  tt: 'http://www.onvif.org/ver10/schema',
  tds: 'http://www.onvif.org/ver10/device/wsdl',
  trt: 'http://www.onvif.org/ver10/media/wsdl',
  tev: 'http://www.onvif.org/ver10/events/wsdl',
  ter: 'http://www.onvif.org/ver10/error',
  tns1: 'http://www.onvif.org/ver10/topics',
  tnsaxis: 'http://www.axis.com/2009/event/topics',
  wstop: 'http://docs.oasis-open.org/wsn/t-1',
  wsa5: 'http://www.w3.org/2005/08/addressing',
};
const ENVELOPE_OPEN =
  '<?xml version="1.0" encoding="UTF-8"?><s:Envelope ' +
  Object.entries(NS)
    .map(([k, v]) => `xmlns:${k}="${v}"`)
    .join(' ') +
  '><s:Body>';
const ENVELOPE_CLOSE = '</s:Body></s:Envelope>';

const RULE_SOURCE = [
  ['VideoSourceConfigurationToken', 'VSC_1'],
  ['VideoAnalyticsConfigurationToken', 'VAC_1'],
  ['Rule', 'MyRule'],
];
const bool = (a) => (a ? 'true' : 'false');
const bit = (a) => (a ? '1' : '0');

/** Vendor profiles: trigger key → topic, source items, the data item carrying the state and its encoding. */
const cell = { topic: 'tns1:RuleEngine/CellMotionDetector/Motion', source: RULE_SOURCE, item: 'IsMotion', encode: bool };
const myRule = (name) => ({ topic: `tns1:RuleEngine/MyRuleDetector/${name}`, source: [['Source', 'VS_1']], item: 'State', encode: bool });
export const PROFILES = {
  onvif: {
    motion: { topic: 'tns1:VideoSource/MotionAlarm', source: [['Source', 'VS_1']], item: 'State', encode: bool },
    tamper: { topic: 'tns1:RuleEngine/TamperDetector/Tamper', source: RULE_SOURCE, item: 'IsTamper', encode: bool },
  },
  hikvision: {
    motion: cell,
    intrusion: { topic: 'tns1:RuleEngine/FieldDetector/ObjectsInside', source: RULE_SOURCE, item: 'IsInside', encode: bool },
    'line-crossing': { topic: 'tns1:RuleEngine/LineDetector/Crossed', source: RULE_SOURCE, item: 'ObjectId', encode: () => '7', pulse: true },
    tamper: { topic: 'tns1:RuleEngine/TamperDetector/Tamper', source: RULE_SOURCE, item: 'IsTamper', encode: bool },
  },
  reolink: {
    motion: cell,
    person: myRule('PeopleDetect'),
    vehicle: myRule('VehicleDetect'),
    animal: myRule('DogCatDetect'),
    package: myRule('Package'),
    visitor: myRule('Visitor'),
  },
  axis: {
    motion: { topic: 'tnsaxis:CameraApplicationPlatform/VMD/Camera1ProfileANY', source: [], item: 'active', encode: bit },
    'motion-region': { topic: 'tns1:RuleEngine/MotionRegionDetector/Motion', source: [['VideoSource', '0'], ['RegionName', 'ALL']], item: 'State', encode: bool },
  },
  'axis-old': {
    motion: { topic: 'tns1:VideoAnalytics/tnsaxis:MotionDetection', source: [['window', '0']], item: 'motion', encode: bit },
  },
};

const parser = new XMLParser({ ignoreAttributes: false, removeNSPrefix: true, attributeNamePrefix: '@_', parseTagValue: false });

/** ISO 8601 duration (PT1M, PT0.5S, PT1M30S) or absolute xs:dateTime → milliseconds from `nowMs`. */
function durationMs(text, nowMs, fallback) {
  if (typeof text !== 'string') return fallback;
  const m = /^P(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)$/.exec(text.trim());
  if (m) return ((Number(m[1] ?? 0) * 60 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 1000;
  const abs = Date.parse(text);
  return Number.isNaN(abs) ? fallback : abs - nowMs;
}

const items = (list) => list.map(([n, v]) => `<tt:SimpleItem Name="${n}" Value="${v}"/>`).join('');

/**
 * A wstop:TopicSet as cameras nest it (`<tns1:RuleEngine><CellMotionDetector><Motion wstop:topic="true">`), with a
 * MessageDescription declaring the state item of each topic.
 * @param {Array<{topic: string, item: string}>} topics
 */
function topicSetXml(topics) {
  const root = new Map();
  for (const { topic, item } of topics) {
    let node = root;
    const segments = topic.split('/');
    segments.forEach((seg, i) => {
      if (!node.has(seg)) node.set(seg, { children: new Map(), item: undefined });
      const entry = node.get(seg);
      if (i === segments.length - 1) entry.item = item;
      node = entry.children;
    });
  }
  const render = (node) =>
    [...node.entries()]
      .map(([seg, { children, item }]) => {
        const leaf = item === undefined ? '' : ` wstop:topic="true"`;
        const desc = item === undefined ? '' : `<tt:MessageDescription IsProperty="true"><tt:Data><tt:SimpleItemDescription Name="${item}" Type="xs:boolean"/></tt:Data></tt:MessageDescription>`;
        return `<${seg}${leaf}>${desc}${render(children)}</${seg}>`;
      })
      .join('');
  return `<wstop:TopicSet>${render(root)}</wstop:TopicSet>`;
}

/**
 * Start a device on a random loopback port.
 * @param {import('./index.d.mts').OnvifDeviceOptions} [options]
 * @returns {Promise<import('./index.d.mts').OnvifDevice>}
 */
export async function startOnvifDevice(options = {}) {
  const profileName = options.profile ?? 'hikvision';
  const channels = PROFILES[profileName];
  if (!channels) throw new Error(`unknown profile ${profileName}`);
  const username = options.username ?? 'admin';
  const password = options.password ?? 'secret';
  const maxPullMs = (options.maxPullSeconds ?? 60) * 1000;
  const maxTerminationMs = (options.maxTerminationSeconds ?? 3600) * 1000;
  const grant = (text, now) => Math.min(durationMs(text, now, 60_000), maxTerminationMs);
  const host = options.host ?? '127.0.0.1';
  let clockOffsetMs = options.clockOffsetMs ?? 0;
  let hung = false;
  /** @type {Array<'malformed'|'fault'|'reset'>} */
  const misbehaviour = [];
  const state = Object.fromEntries(Object.keys(channels).map((k) => [k, false]));
  /** Verbatim NotificationMessage XML answered by the first pull of every new subscription (replaces generated ones). */
  const initialMessages = options.initialMessages;
  /** @type {Map<string, {id: string, terminationMs: number, queue: string[], waiter: null | {respond: () => void}}>} */
  const subscriptions = new Map();
  const sockets = new Set();
  const stats = { requests: {}, authFailures: 0, unsubscribes: 0, subscriptionsCreated: 0 };

  const deviceNow = () => Date.now() + clockOffsetMs;
  const iso = (ms) => new Date(ms).toISOString();
  let port = options.port ?? 0;
  // The streams GetStreamUri answers: the main profile's and (unless null) the sub profile's.
  const streams = { main: options.streams?.main ?? `rtsp://${options.host ?? '127.0.0.1'}:554/Streaming/Channels/101`, sub: options.streams?.sub === undefined ? `rtsp://${options.host ?? '127.0.0.1'}:554/Streaming/Channels/102` : options.streams.sub };
  const base = () => `http://${host}:${port}`;

  function notification(key, active, operation) {
    const ch = channels[key];
    return (
      '<wsnt:NotificationMessage>' +
      `<wsnt:Topic Dialect="http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet">${ch.topic}</wsnt:Topic>` +
      `<wsnt:Message><tt:Message UtcTime="${iso(deviceNow())}" PropertyOperation="${operation}">` +
      `<tt:Source>${items(ch.source)}</tt:Source>` +
      `<tt:Data>${items([[ch.item, ch.encode(active)]])}</tt:Data>` +
      '</tt:Message></wsnt:Message></wsnt:NotificationMessage>'
    );
  }

  function fault(res, status, code, subcode, reason) {
    send(res, status, `<s:Fault><s:Code><s:Value>s:${code}</s:Value><s:Subcode><s:Value>ter:${subcode}</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">${reason}</s:Text></s:Reason></s:Fault>`);
  }

  function send(res, status, body) {
    if (res.writableEnded || res.destroyed) return;
    const xml = ENVELOPE_OPEN + body + ENVELOPE_CLOSE;
    res.writeHead(status, { 'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': Buffer.byteLength(xml) });
    res.end(xml);
  }

  function authorised(envelope) {
    const token = envelope?.Header?.Security?.UsernameToken;
    if (!token) return false;
    const pw = typeof token.Password === 'object' ? token.Password['#text'] : token.Password;
    const nonce = typeof token.Nonce === 'object' ? token.Nonce['#text'] : token.Nonce;
    const created = typeof token.Created === 'object' ? token.Created['#text'] : token.Created;
    if (token.Username !== username || !pw || !nonce || !created) return false;
    // Replay protection as on Axis/Hikvision: Created must be within 5 minutes of the device clock.
    if (Math.abs(Date.parse(created) - deviceNow()) > 300_000) return false;
    const digest = createHash('sha1')
      .update(Buffer.concat([Buffer.from(nonce, 'base64'), Buffer.from(created), Buffer.from(password)]))
      .digest('base64');
    return digest === pw;
  }

  const service = (ns, path) =>
    `<tds:Service><tds:Namespace>${ns}</tds:Namespace><tds:XAddr>${base()}${path}</tds:XAddr><tds:Version><tt:Major>2</tt:Major><tt:Minor>60</tt:Minor></tds:Version></tds:Service>`;

  const handlers = {
    GetSystemDateAndTime(res) {
      const d = new Date(deviceNow());
      send(res, 200,
        '<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime><tt:DateTimeType>NTP</tt:DateTimeType><tt:DaylightSavings>false</tt:DaylightSavings>' +
        '<tt:TimeZone><tt:TZ>UTC0</tt:TZ></tt:TimeZone><tt:UTCDateTime>' +
        `<tt:Time><tt:Hour>${d.getUTCHours()}</tt:Hour><tt:Minute>${d.getUTCMinutes()}</tt:Minute><tt:Second>${d.getUTCSeconds()}</tt:Second></tt:Time>` +
        `<tt:Date><tt:Year>${d.getUTCFullYear()}</tt:Year><tt:Month>${d.getUTCMonth() + 1}</tt:Month><tt:Day>${d.getUTCDate()}</tt:Day></tt:Date>` +
        '</tt:UTCDateTime></tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>');
    },
    GetServices(res) {
      send(res, 200, '<tds:GetServicesResponse>' + service(NS.tds, '/onvif/device_service') + service(NS.trt, '/onvif/media_service') + service(NS.tev, '/onvif/event_service') + '</tds:GetServicesResponse>');
    },
    GetCapabilities(res) {
      send(res, 200,
        `<tds:GetCapabilitiesResponse><tds:Capabilities><tt:Device><tt:XAddr>${base()}/onvif/device_service</tt:XAddr></tt:Device>` +
        `<tt:Events><tt:XAddr>${base()}/onvif/event_service</tt:XAddr><tt:WSSubscriptionPolicySupport>false</tt:WSSubscriptionPolicySupport><tt:WSPullPointSupport>true</tt:WSPullPointSupport><tt:WSPausableSubscriptionManagerInterfaceSupport>false</tt:WSPausableSubscriptionManagerInterfaceSupport></tt:Events>` +
        `<tt:Media><tt:XAddr>${base()}/onvif/media_service</tt:XAddr></tt:Media></tds:Capabilities></tds:GetCapabilitiesResponse>`);
    },
    GetDeviceInformation(res) {
      send(res, 200, `<tds:GetDeviceInformationResponse><tds:Manufacturer>cctv-test</tds:Manufacturer><tds:Model>${profileName}</tds:Model><tds:FirmwareVersion>1.0</tds:FirmwareVersion><tds:SerialNumber>${port}</tds:SerialNumber><tds:HardwareId>test</tds:HardwareId></tds:GetDeviceInformationResponse>`);
    },
    GetProfiles(res) {
      const profile = (token, name, width, height, fps, bitrate) =>
        `<trt:Profiles token="${token}" fixed="true"><tt:Name>${name}</tt:Name>` +
        '<tt:VideoSourceConfiguration token="VSC_1"><tt:Name>vsc</tt:Name><tt:UseCount>2</tt:UseCount><tt:SourceToken>VS_1</tt:SourceToken><tt:Bounds x="0" y="0" width="1920" height="1080"/></tt:VideoSourceConfiguration>' +
        `<tt:VideoEncoderConfiguration token="VEC_${token}"><tt:Name>vec</tt:Name><tt:UseCount>1</tt:UseCount><tt:Encoding>H264</tt:Encoding><tt:Resolution><tt:Width>${width}</tt:Width><tt:Height>${height}</tt:Height></tt:Resolution><tt:Quality>5</tt:Quality>` +
        `<tt:RateControl><tt:FrameRateLimit>${fps}</tt:FrameRateLimit><tt:EncodingInterval>1</tt:EncodingInterval><tt:BitrateLimit>${bitrate}</tt:BitrateLimit></tt:RateControl></tt:VideoEncoderConfiguration>` +
        '</trt:Profiles>';
      send(res, 200,
        '<trt:GetProfilesResponse>' + profile('Profile_1', 'main', 1920, 1080, 25, 4096) +
        (streams.sub ? profile('Profile_2', 'sub', 640, 360, 10, 512) : '') + '</trt:GetProfilesResponse>');
    },
    GetStreamUri(res, body) {
      const token = String(body.ProfileToken ?? '');
      const uri = token === 'Profile_1' ? streams.main : token === 'Profile_2' ? streams.sub : undefined;
      if (!uri) return fault(res, 400, 'Sender', 'InvalidArgVal', `no profile ${token}`);
      send(res, 200, `<trt:GetStreamUriResponse><trt:MediaUri><tt:Uri>${uri.replace(/&/g, '&amp;')}</tt:Uri><tt:InvalidAfterConnect>false</tt:InvalidAfterConnect><tt:InvalidAfterReboot>false</tt:InvalidAfterReboot><tt:Timeout>PT0S</tt:Timeout></trt:MediaUri></trt:GetStreamUriResponse>`);
    },
    GetVideoSources(res) {
      send(res, 200, '<trt:GetVideoSourcesResponse><trt:VideoSources token="VS_1"><tt:Framerate>25</tt:Framerate><tt:Resolution><tt:Width>1920</tt:Width><tt:Height>1080</tt:Height></tt:Resolution></trt:VideoSources></trt:GetVideoSourcesResponse>');
    },
    GetEventProperties(res) {
      send(res, 200,
        '<tev:GetEventPropertiesResponse><tev:TopicNamespaceLocation>http://www.onvif.org/onvif/ver10/topics/topicns.xml</tev:TopicNamespaceLocation>' +
        '<wsnt:FixedTopicSet>true</wsnt:FixedTopicSet>' +
        (options.topicSet ?? topicSetXml(Object.values(channels))) +
        '<wsnt:TopicExpressionDialect>http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet</wsnt:TopicExpressionDialect>' +
        '<tev:MessageContentFilterDialect>http://www.onvif.org/ver10/tev/messageContentFilter/ItemFilter</tev:MessageContentFilterDialect>' +
        '<tev:MessageContentSchemaLocation>http://www.onvif.org/onvif/ver10/schema/onvif.xsd</tev:MessageContentSchemaLocation></tev:GetEventPropertiesResponse>');
    },
    CreatePullPointSubscription(res, body) {
      const now = deviceNow();
      const id = randomUUID();
      const sub = { id, terminationMs: now + grant(body.InitialTerminationTime, now), queue: [], waiter: null };
      // The first pull returns the current state of every property topic (PropertyOperation="Initialized").
      if (initialMessages) sub.queue.push(...initialMessages);
      else for (const [key, ch] of Object.entries(channels)) if (!ch.pulse) sub.queue.push(notification(key, state[key], 'Initialized'));
      subscriptions.set(id, sub);
      stats.subscriptionsCreated++;
      send(res, 200,
        `<tev:CreatePullPointSubscriptionResponse><tev:SubscriptionReference><wsa:Address>${base()}/onvif/subscription/${id}</wsa:Address></tev:SubscriptionReference>` +
        `<wsnt:CurrentTime>${iso(now)}</wsnt:CurrentTime><wsnt:TerminationTime>${iso(sub.terminationMs)}</wsnt:TerminationTime></tev:CreatePullPointSubscriptionResponse>`);
    },
    PullMessages(res, body, sub) {
      const limit = Number(body.MessageLimit ?? 10) || 10;
      const waitMs = Math.min(Math.max(durationMs(body.Timeout, deviceNow(), 60_000), 0), maxPullMs);
      sub.waiter?.respond();
      const respond = () => {
        clearTimeout(timer);
        if (sub.waiter?.respond === respond) sub.waiter = null;
        if (hung) return; // a hung device never answers, not even a pending long-poll
        const now = deviceNow();
        const bad = misbehaviour.shift();
        const messages = sub.queue.splice(0, limit).join('');
        if (bad === 'fault') return fault(res, 500, 'Receiver', 'Action', 'Internal error while pulling');
        if (bad === 'malformed') {
          res.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=utf-8' });
          return res.end(ENVELOPE_OPEN + '<tev:PullMessagesResponse><tev:CurrentTime>' + iso(now) + '</tev:Current');
        }
        if (bad === 'reset') {
          res.writeHead(200, { 'Content-Type': 'application/soap+xml; charset=utf-8', 'Content-Length': 5000 });
          res.write(ENVELOPE_OPEN + '<tev:PullMessagesResponse>');
          return setTimeout(() => res.socket?.destroy(), 20);
        }
        send(res, 200,
          `<tev:PullMessagesResponse><tev:CurrentTime>${iso(now)}</tev:CurrentTime><tev:TerminationTime>${iso(sub.terminationMs)}</tev:TerminationTime>${messages}</tev:PullMessagesResponse>`);
      };
      const timer = setTimeout(respond, sub.queue.length > 0 ? 0 : waitMs);
      sub.waiter = { respond };
      res.on('close', () => {
        if (!res.writableFinished) {
          clearTimeout(timer);
          if (sub.waiter?.respond === respond) sub.waiter = null;
        }
      });
    },
    Renew(res, body, sub) {
      const now = deviceNow();
      sub.terminationMs = now + grant(body.TerminationTime, now);
      send(res, 200, `<wsnt:RenewResponse><wsnt:TerminationTime>${iso(sub.terminationMs)}</wsnt:TerminationTime><wsnt:CurrentTime>${iso(now)}</wsnt:CurrentTime></wsnt:RenewResponse>`);
    },
    Unsubscribe(res, _body, sub) {
      subscriptions.delete(sub.id);
      sub.waiter?.respond();
      stats.unsubscribes++;
      send(res, 200, '<wsnt:UnsubscribeResponse/>');
    },
  };
  const SUBSCRIPTION_ACTIONS = new Set(['PullMessages', 'Renew', 'Unsubscribe']);

  function handle(req, res, raw) {
    if (hung) return; // accept, read, never answer
    let envelope;
    try {
      envelope = parser.parse(raw).Envelope;
    } catch {
      return fault(res, 400, 'Sender', 'WellFormed', 'Malformed request');
    }
    const bodyEl = envelope?.Body ?? {};
    const action = Object.keys(bodyEl).find((k) => !k.startsWith('@_'));
    if (!action) return fault(res, 400, 'Sender', 'WellFormed', 'Empty body');
    stats.requests[action] = (stats.requests[action] ?? 0) + 1;
    if (action !== 'GetSystemDateAndTime' && !authorised(envelope)) {
      stats.authFailures++;
      return fault(res, 400, 'Sender', 'NotAuthorized', 'Sender not Authorized');
    }
    const handler = handlers[action];
    if (!handler) return fault(res, 400, 'Receiver', 'ActionNotSupported', `Optional Action Not Implemented: ${action}`);
    const body = typeof bodyEl[action] === 'object' ? bodyEl[action] : {};
    if (SUBSCRIPTION_ACTIONS.has(action)) {
      const id = /\/onvif\/subscription\/([^/?]+)/.exec(req.url ?? '')?.[1];
      const sub = id ? subscriptions.get(id) : undefined;
      if (!sub || sub.terminationMs < deviceNow()) {
        if (sub) subscriptions.delete(sub.id);
        return fault(res, 400, 'Receiver', 'ResourceUnknownFault', 'Unknown or expired subscription');
      }
      return handler(res, body, sub);
    }
    handler(res, body, undefined);
  }

  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const listen = () =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        port = server.address().port;
        resolve();
      });
    });
  const shut = () =>
    new Promise((resolve) => {
      for (const s of subscriptions.values()) s.waiter = null;
      subscriptions.clear(); // a camera that goes away forgets its subscriptions (reboot)
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
  await listen();

  // WS-Discovery (ONVIF Core §7.3): a Probe to 239.255.255.250:3702 is answered with a ProbeMatch naming the device
  // service address, as cameras do.
  let discovery = null;
  if (options.discovery) {
    discovery = createSocket({ type: 'udp4', reuseAddr: true });
    discovery.on('message', (msg, rinfo) => {
      const text = msg.toString('utf8');
      if (!/<(\w+:)?Probe[\s>]/.test(text) || !/NetworkVideoTransmitter|<(\w+:)?Types\s*\/>|<(\w+:)?Probe\s*\/>/.test(text)) return;
      stats.probes = (stats.probes ?? 0) + 1;
      const relates = /MessageID[^>]*>([^<]+)</.exec(text)?.[1] ?? '';
      const reply = '<?xml version="1.0" encoding="UTF-8"?>' +
        '<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:a="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery" xmlns:dn="http://www.onvif.org/ver10/network/wsdl">' +
        `<s:Header><a:MessageID>urn:uuid:${randomUUID()}</a:MessageID><a:RelatesTo>${relates}</a:RelatesTo>` +
        '<a:To>http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous</a:To><a:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</a:Action></s:Header>' +
        `<s:Body><d:ProbeMatches><d:ProbeMatch><a:EndpointReference><a:Address>urn:uuid:${deviceUuid}</a:Address></a:EndpointReference>` +
        '<d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/cctv-test</d:Scopes>' +
        `<d:XAddrs>${base()}/onvif/device_service</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></s:Body></s:Envelope>`;
      discovery.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise((resolve, reject) => {
      discovery.once('error', reject);
      discovery.bind(3702, () => {
        discovery.off('error', reject);
        discovery.addMembership('239.255.255.250');
        resolve();
      });
    });
  }
  const deviceUuid = randomUUID();

  return {
    get port() { return port; },
    host,
    profile: profileName,
    username,
    password,
    stats,
    get subscriptions() { return subscriptions.size; },
    trigger(key, active = true) {
      const ch = channels[key];
      if (!ch) throw new Error(`profile ${profileName} has no ${key} (has ${Object.keys(channels).join(', ')})`);
      if (!ch.pulse) state[key] = active;
      const msg = notification(key, active, 'Changed');
      for (const sub of subscriptions.values()) {
        sub.queue.push(msg);
        sub.waiter?.respond();
      }
      return Date.now();
    },
    replay(xml) {
      const list = Array.isArray(xml) ? xml : [xml];
      for (const sub of subscriptions.values()) {
        sub.queue.push(...list);
        sub.waiter?.respond();
      }
      return Date.now();
    },
    setState(key, active) {
      if (!channels[key]) throw new Error(`profile ${profileName} has no ${key}`);
      state[key] = active;
    },
    setClockOffset(ms) { clockOffsetMs = ms; },
    hang(on) { hung = on; },
    misbehave(kind, count = 1) { for (let i = 0; i < count; i++) misbehaviour.push(kind); },
    goOffline: shut,
    goOnline: listen,
    async close() {
      hung = false;
      if (discovery) await new Promise((resolve) => discovery.close(() => resolve()));
      discovery = null;
      if (server.listening) await shut();
    },
  };
}
