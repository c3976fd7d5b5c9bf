import { describe, expect, it } from 'vitest';
import { UserError } from '../../src/lib/errors.js';
import { envText, parseTargets, pickStreams, withCredentials, type StreamProfile } from '../../src/lib/init/plan.js';

const profile = (token: string, width: number, height: number, uri = `rtsp://10.0.0.2/${token}`): StreamProfile => ({ token, name: token, width, height, encoding: 'H264', uri });

describe('cctv init decisions', () => {
  it.each([
    [['192.168.1.20'], [{ host: '192.168.1.20', port: 80 }]],
    [['192.168.1.20:8000', 'cam.local'], [{ host: '192.168.1.20', port: 8000 }, { host: 'cam.local', port: 80 }]],
    [['10.0.0.4/30'], [{ host: '10.0.0.5', port: 80 }, { host: '10.0.0.6', port: 80 }]],
    [['10.0.0.9/32'], [{ host: '10.0.0.9', port: 80 }]],
  ])('parseTargets(%j)', (specs, expected) => {
    expect(parseTargets(specs)).toEqual(expected);
  });

  it('parseTargets: a /24 is 254 addresses; too large a subnet or a bad spec is a usage error', () => {
    const hosts = parseTargets(['192.168.7.0/24']);
    expect(hosts).toHaveLength(254);
    expect(hosts[0]).toEqual({ host: '192.168.7.1', port: 80 });
    expect(hosts[253]).toEqual({ host: '192.168.7.254', port: 80 });
    expect(() => parseTargets(['10.0.0.0/16'])).toThrow(/too many; probe a \/22 or smaller/);
    expect(() => parseTargets(['http://x'])).toThrow(UserError);
    expect(() => parseTargets(['h:70000'])).toThrow(UserError);
  });

  it('pickStreams: most pixels records, fewest is the sub stream, none when there is one profile', () => {
    expect(pickStreams([profile('sub', 640, 360), profile('main', 2560, 1440), profile('third', 1280, 720)])).toMatchObject({ main: { token: 'main' }, sub: { token: 'sub' } });
    expect(pickStreams([profile('only', 1920, 1080)])).toMatchObject({ main: { token: 'only' }, sub: null });
    expect(() => pickStreams([])).toThrow(/no media profile/);
  });

  it('withCredentials replaces the camera\'s own credentials by user:${VAR}', () => {
    expect(withCredentials('rtsp://192.168.1.20:554/Streaming/Channels/101?transportmode=unicast', 'admin', 'CAMERA1_PASSWORD'))
      .toBe('rtsp://admin:${CAMERA1_PASSWORD}@192.168.1.20:554/Streaming/Channels/101?transportmode=unicast');
    expect(withCredentials('rtsp://old:pw@10.0.0.2/s', 'a b', 'X')).toBe('rtsp://a%20b:${X}@10.0.0.2/s');
  });

  it('envText quotes for systemd and a POSIX shell', () => {
    expect(envText({ A: 'pa$$ "w" `x` \\' })).toMatch(/^A="pa\\\$\\\$ \\"w\\" \\`x\\` \\\\"$/m);
  });
});
