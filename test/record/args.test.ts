import { describe, expect, it } from 'vitest';
import { recordInputOptions, recordOutputOptions } from '../../src/lib/ffmpeg/args.js';

const base = { url: 'rtsp://cam/x', transport: 'tcp' as const, segmentSeconds: 900, outputPattern: '/d/%H.mkv', segmentList: '/d/l.csv', timeoutSeconds: 5 };

describe('record arguments', () => {
  it('RTSP input over TCP with a socket timeout in microseconds', () => {
    expect(recordInputOptions(base)).toEqual(['-rtsp_transport', 'tcp', '-timeout', '5000000']);
  });
  it('file inputs (simulated cameras) play in real time, looped', () => {
    expect(recordInputOptions({ ...base, url: 'file:///v.mp4' })).toEqual(['-re', '-stream_loop', '-1']);
  });
  it.each([
    ['mkv', ['-c:a', 'copy'], ['-segment_format', 'matroska', '-segment_format_options', 'cluster_time_limit=200:flush_packets=1']],
    ['mp4', ['-c:a', 'aac', '-b:a', '64k'], ['-segment_format', 'mp4', '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof']],
    ['ts', ['-c:a', 'aac', '-b:a', '64k'], ['-segment_format', 'mpegts']],
  ] as const)('%s: video copied, audio %j, muxer %j', (format, audio, muxer) => {
    const args = recordOutputOptions({ ...base, format });
    const joined = args.join(' ');
    expect(joined).toContain(['-c:v', 'copy', ...audio].join(' '));
    expect(joined).toContain(muxer.join(' '));
    expect(joined).toContain('-segment_time 900 -segment_atclocktime 1 -reset_timestamps 1 -strftime 1');
    expect(joined).toContain('-segment_list /d/l.csv -segment_list_type csv');
  });
});
