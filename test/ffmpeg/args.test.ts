import { describe, expect, it } from 'vitest';
import {
  boxedPosterArgs, clipPosterArgs, concatScript, cutArgs, drawboxFilter, exportArgs, frameExtractionArgs, h264Args, keyframeBeforeArgs, liveArgs,
  mp4OutputOptions, playbackArgs, probeVideoArgs, recordInputOptions, recordOutputOptions, sampleJpegArgs, sourceInputOptions, thumbnailArgs,
  walkwayArgs, yardArgs,
} from '../../src/lib/ffmpeg/args.js';

/** Every ffmpeg/ffprobe argument list the product builds, by table (the builders are pure: src/lib/ffmpeg/args.ts). */

const base = { url: 'rtsp://cam/x', transport: 'tcp' as const, segmentSeconds: 900, outputPattern: '/d/.run-x/%06d.mkv', segmentList: '/d/l.csv', timeoutSeconds: 5 };

describe('record arguments', () => {
  it('RTSP input over TCP with a socket timeout in microseconds', () => {
    expect(recordInputOptions(base)).toEqual(['-rtsp_transport', 'tcp', '-timeout', '5000000']);
  });
  it('file inputs (simulated cameras) play in real time, looped', () => {
    expect(recordInputOptions({ ...base, url: 'file:///v.mp4' })).toEqual(['-re', '-stream_loop', '-1']);
  });
  it.each([
    ['mkv', ['-c:a', 'copy'], ['-segment_format', 'matroska', '-segment_format_options', 'cluster_time_limit=30:flush_packets=1']],
    ['mp4', ['-c:a', 'aac', '-b:a', '64k'], ['-segment_format', 'mp4', '-segment_format_options', 'movflags=+frag_keyframe+empty_moov+default_base_moof']],
    ['ts', ['-c:a', 'aac', '-b:a', '64k'], ['-segment_format', 'mpegts']],
  ] as const)('%s: video copied, audio %j, muxer %j', (format, audio, muxer) => {
    const args = recordOutputOptions({ ...base, format });
    const joined = args.join(' ');
    // A packet without a presentation time (B-frame cameras) gets its decoding time: the muxers refuse it otherwise.
    expect(joined).toContain(['-c:v', 'copy', '-bsf:v', 'setts=pts=if(eq(PTS\\,NOPTS)\\,DTS\\,PTS)', ...audio].join(' '));
    expect(joined).toContain(muxer.join(' '));
    expect(joined).toContain('-segment_time 900 -segment_atclocktime 1 -reset_timestamps 1 -');
    expect(joined).not.toContain('strftime'); // names from the clock could repeat after a step back: numbered, then linked
    expect(joined).toContain('-segment_list /d/l.csv -segment_list_type csv');
  });
});

describe('clip ffmpeg arguments', () => {
  it.each([
    [{ video: 'h264', audio: 'pcm_alaw' }, ['-c:a', 'aac', '-b:a', '64k']],
    [{ video: 'h264', audio: 'aac' }, ['-c:a', 'copy']],
    [{ video: 'h264', audio: null }, ['-an']],
    [{ video: 'hevc', audio: 'mp3' }, ['-tag:v', 'hvc1', '-c:a', 'copy']],
  ])('%j', (media, part) => {
    const args = mp4OutputOptions(media).join(' ');
    expect(args).toContain(part.join(' '));
    expect(args).toContain('-c:v copy');
    expect(args).toContain('-movflags +faststart');
  });
  it('concat script quotes paths and writes in/out points', () => {
    expect(concatScript([{ file: "/d/it's.mkv", inpoint: 7.25 }, { file: '/d/b.mkv', inpoint: 0, outpoint: 4.5 }])).toBe(
      "file '/d/it'\\''s.mkv'\ninpoint 7.250\nfile '/d/b.mkv'\noutpoint 4.500\n",
    );
    expect(cutArgs('/t/list.txt', '/t/out.mp4', { video: 'h264', audio: null }).slice(0, 9)).toEqual(['-loglevel', 'error', '-f', 'concat', '-safe', '0', '-i', '/t/list.txt', '-map']);
  });
  it('h264Args re-encodes video only, keeps the MP4 output options', () => {
    expect(h264Args('in.mp4', 'out.mp4', { video: 'hevc', audio: 'pcm_mulaw' })).toEqual([
      '-loglevel', 'error', '-i', 'in.mp4', '-map', '0:v:0', '-map', '0:a:0?', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p',
      '-c:a', 'aac', '-b:a', '64k', '-movflags', '+faststart', '-f', 'mp4', 'out.mp4',
    ]);
  });

  it('the clip poster: one JPEG at most 640 px wide, one decoding thread', () => {
    expect(clipPosterArgs('c.mp4', 2.5, 'p.jpg')).toEqual([
      '-loglevel', 'error', '-threads', '1', '-ss', '2.500', '-i', 'c.mp4', '-frames:v', '1', '-vf', "scale='min(640,iw)':-2", '-q:v', '5', '-f', 'image2', 'p.jpg',
    ]);
  });
});

describe('playback arguments', () => {
  it.each([
    [{ video: 'h264', audio: 'pcm_alaw' }, ['-c:v', 'copy', '-c:a', 'aac', '-b:a', '64k']],
    [{ video: 'h264', audio: 'aac' }, ['-c:v', 'copy', '-c:a', 'copy']],
    [{ video: 'hevc', audio: null }, ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '23', '-pix_fmt', 'yuv420p', '-an']],
  ] as const)('%j: the concat script on stdin to fragmented MP4 on stdout, %j', (media, codecs) => {
    expect(playbackArgs(media)).toEqual([
      '-loglevel', 'error',
      '-f', 'concat', '-safe', '0', '-protocol_whitelist', 'file,pipe', '-i', 'pipe:0',
      '-map', '0:v:0', '-map', '0:a:0?', ...codecs,
      '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '1000000',
      '-f', 'mp4', 'pipe:1',
    ]);
  });
});

describe('export arguments: always copied (evidence), audio as MP4 carries it, bit-exact fragmented MP4 on stdout', () => {
  it.each([
    [{ video: 'h264', audio: 'pcm_alaw' }, ['-c:v', 'copy', '-c:a', 'aac', '-b:a', '64k']],
    [{ video: 'h264', audio: 'aac' }, ['-c:v', 'copy', '-c:a', 'copy']],
    [{ video: 'hevc', audio: null }, ['-c:v', 'copy', '-tag:v', 'hvc1', '-an']],
  ] as const)('%j: %j', (media, codecs) => {
    expect(exportArgs(media)).toEqual([
      '-loglevel', 'error',
      '-f', 'concat', '-safe', '0', '-protocol_whitelist', 'file,pipe', '-i', 'pipe:0',
      '-map', '0:v:0', '-map', '0:a:0?', ...codecs,
      '-fflags', '+bitexact', '-flags:v', '+bitexact', '-flags:a', '+bitexact',
      '-movflags', 'frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '2000000',
      '-f', 'mp4', 'pipe:1',
    ]);
  });
});

describe('timeline arguments', () => {
  it.each([
    [12.3456, '12.346'],
    [-1, '0.000'],
  ])('the keyframe at or before %s s: one packet from a backward seek', (at, shown) => {
    expect(keyframeBeforeArgs('/r/a.mkv', at)).toEqual([
      '-v', 'error', '-select_streams', 'v:0', '-read_intervals', `${shown}%+#1`, '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', '/r/a.mkv',
    ]);
  });
  it.each([
    [7.5, 160, '7.500', 'scale=160:-2'],
    [-3, 320, '0.000', 'scale=320:-2'],
  ])('a thumbnail at %s s, %i px: keyframes only, no accurate seek, one small JPEG on stdout', (at, width, shown, scale) => {
    expect(thumbnailArgs('/r/a.mkv', at, width)).toEqual([
      '-loglevel', 'error', '-threads', '1', '-skip_frame', 'nokey', '-noaccurate_seek', '-ss', shown, '-i', '/r/a.mkv',
      '-map', '0:v:0', '-frames:v', '1', '-vf', scale, '-q:v', '7', '-f', 'image2', '-c:v', 'mjpeg', 'pipe:1',
    ]);
  });
});

describe('live arguments', () => {
  const tail = ['-map', '0:v:0', '-an', '-c:v', 'copy', '-movflags', 'frag_keyframe+empty_moov+default_base_moof+frag_every_frame', '-flush_packets', '1', '-f', 'mp4', 'pipe:1'];
  it.each([
    ['rtsp, fast start (no probing)', { url: 'rtsp://cam/1', transport: 'tcp', fastStart: true } as const,
      ['-rtsp_transport', 'tcp', '-timeout', '5000000', '-probesize', '32', '-analyzeduration', '0', '-fflags', 'nobuffer', '-i', 'rtsp://cam/1']],
    ['rtsp over UDP, probing (the retry)', { url: 'rtsp://cam/1', transport: 'udp', fastStart: false } as const,
      ['-rtsp_transport', 'udp', '-timeout', '5000000', '-fflags', 'nobuffer', '-i', 'rtsp://cam/1']],
    ['a simulated camera (file)', { url: 'file:///d/yard.mp4', transport: 'tcp', fastStart: false } as const,
      ['-re', '-stream_loop', '-1', '-fflags', 'nobuffer', '-i', '/d/yard.mp4']],
  ])('%s: copied video only, a fragment per frame, flushed', (_what, a, input) => {
    expect(liveArgs(a)).toEqual(['-loglevel', 'error', ...input, ...tail]);
  });
});

describe('detector frame arguments', () => {
  it.each([
    ['/clips/a.mp4', []],
    ['https://b.s3.amazonaws.com/a.mp4?X-Amz-Signature=s', ['-rw_timeout', '15000000']],
    ['HTTP://cam/a.mp4', ['-rw_timeout', '15000000']],
  ])('a network source gives up after 15 s without data: %s', (source, options) => {
    expect(sourceInputOptions(source)).toEqual(options);
    expect(probeVideoArgs(source)).toEqual([
      '-v', 'error', ...options, '-select_streams', 'v:0', '-show_entries', 'stream=width,height,duration:format=duration', '-of', 'json', source,
    ]);
  });

  it('one input per timestamp, each mapped to its own single-frame output', () => {
    const args = frameExtractionArgs('in.mp4', [6, 1.5], { format: 'rgb24', width: 512, height: 512 }, { width: 512, height: 512 }, '/t');
    expect(args.join(' ')).toBe(
      '-loglevel error -ss 6.000 -i in.mp4 -ss 1.500 -i in.mp4 ' +
        '-map 0:v:0 -frames:v 1 -an -sn -dn -vf scale=512:512:flags=bilinear,setsar=1 -pix_fmt rgb24 -f rawvideo /t/0.rgb ' +
        '-map 1:v:0 -frames:v 1 -an -sn -dn -vf scale=512:512:flags=bilinear,setsar=1 -pix_fmt rgb24 -f rawvideo /t/1.rgb',
    );
    const web = frameExtractionArgs('https://b.s3/x.mp4?sig=1', [2], { format: 'jpeg', width: 1280 }, { width: 1280, height: 720 }, '/t');
    expect(web.slice(2, 8)).toEqual(['-rw_timeout', '15000000', '-ss', '2.000', '-i', 'https://b.s3/x.mp4?sig=1']);
    expect(web.at(-1)).toBe('/t/0.jpg');
  });

  it('draws normalised boxes at any resolution, clamped to the picture', () => {
    expect(drawboxFilter([{ x: 0.1, y: 0.2, width: 0.3, height: 1.5 }])).toBe(
      'drawbox=x=iw*0.1000:y=ih*0.2000:w=iw*0.3000:h=ih*1.0000:color=red:t=3',
    );
  });

  it.each([
    [[], "scale='min(1280,iw)':-2"],
    [[{ x: 0, y: 0, width: 0.5, height: 0.5 }], "scale='min(1280,iw)':-2,drawbox=x=iw*0.0000:y=ih*0.0000:w=iw*0.5000:h=ih*0.5000:color=red:t=3"],
  ])('the detector poster with boxes %j', (boxes, filters) => {
    expect(boxedPosterArgs('https://h/c.mp4', 3, boxes, 'p.jpg')).toEqual([
      '-loglevel', 'error', '-rw_timeout', '15000000', '-ss', '3.000', '-i', 'https://h/c.mp4',
      '-map', '0:v:0', '-frames:v', '1', '-vf', filters, '-pix_fmt', 'yuvj420p', '-q:v', '3', '-f', 'image2', 'p.jpg',
    ]);
  });
});

describe('demo footage arguments', () => {
  it('the synthetic yard: 40 s, 640x360, 10 fps, H.264 with a keyframe every second', () => {
    const args = yardArgs('y.mp4').join(' ');
    expect(args).toContain('-f lavfi -i color=c=0x55704a:s=640x360:r=10');
    expect(args).toContain('-t 40 -c:v libx264 -preset veryfast -g 10 -pix_fmt yuv420p -f mp4 y.mp4');
  });
  it('the walkway: vtest.avi to H.264 without audio, a keyframe every second', () => {
    expect(walkwayArgs('v.avi', 'w.mp4')).toEqual(['-loglevel', 'error', '-i', 'v.avi', '-an', '-c:v', 'libx264', '-preset', 'veryfast', '-g', '10', '-pix_fmt', 'yuv420p', '-f', 'mp4', 'w.mp4']);
  });
});

describe('alert test arguments', () => {
  it('the sample snapshot: one 640x360 JPEG of ffmpeg\'s testsrc2 pattern, nothing read from disk or the network', () => {
    expect(sampleJpegArgs('s.jpg')).toEqual(['-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=1', '-frames:v', '1', '-q:v', '5', '-f', 'image2', 's.jpg']);
  });
});
