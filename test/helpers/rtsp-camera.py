#!/usr/bin/python3
"""A test camera: GStreamer's RTSP server serving a live H.264 test feed with a clock overlay.

usage: rtsp-camera.py PORT [--audio aac|pcma|none] [--size WxH] [--fps N] [--gop N] [--path /cam] [--stamp]
       rtsp-camera.py PORT --file clip.mp4 --mounts N     (benchmarks: N cameras at /cam0../camN-1 replaying an
                                                           H.264 MP4 in real time without re-encoding)
Prints "READY rtsp://127.0.0.1:PORT/cam" on stdout once it listens. SIGTERM stops it; SIGSTOP freezes it.

--stamp burns the wall clock into each picture, machine-readable, for glass-to-glass latency: two rows of 40 square
blocks (each width/40 px) at the top left, the first row the bits of the frame's creation time in ms since the epoch
modulo 2^40 (block i = bit i, white = 1), the second row their inverse (a check). The human clock moves to the bottom.
"""
import argparse
import signal
import sys
import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

AUDIO = {
    "none": "",
    "aac": " audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! avenc_aac ! rtpmp4gpay name=pay1 pt=97",
    "pcma": " audiotestsrc is-live=true wave=sine freq=440 ! audioconvert ! audioresample ! audio/x-raw,rate=8000,channels=1 ! alawenc ! rtppcmapay name=pay1",
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--audio", default="none", choices=AUDIO.keys())
    ap.add_argument("--size", default="640x360")
    ap.add_argument("--fps", type=int, default=25)
    ap.add_argument("--gop", type=int, default=50)
    ap.add_argument("--bitrate", type=int, default=1000, help="kbit/s")
    ap.add_argument("--path", default="/cam")
    ap.add_argument("--static", action="store_true", help="a still black picture: almost no bits per second")
    ap.add_argument("--file", help="replay this H.264 MP4 instead of a live test source")
    ap.add_argument("--mounts", type=int, default=1)
    ap.add_argument("--stamp", action="store_true", help="burn the wall-clock ms into each picture as blocks")
    args = ap.parse_args()
    width, height = args.size.split("x")

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    if args.file:
        for i in range(args.mounts):
            f = GstRtspServer.RTSPMediaFactory()
            f.set_launch(f"( filesrc location={args.file} ! qtdemux ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )")
            f.set_shared(True)
            server.get_mount_points().add_factory(f"{args.path}{i}", f)
        serve(server, f"rtsp://127.0.0.1:{args.port}{args.path}0..{args.mounts - 1}", args.port)
        return
    factory = GstRtspServer.RTSPMediaFactory()
    if args.stamp:
        stamped(factory, int(width), int(height), args)
        server.get_mount_points().add_factory(args.path, factory)
        serve(server, f"rtsp://127.0.0.1:{args.port}{args.path}", args.port)
        return
    scene = "pattern=black" if args.static else "pattern=smpte"
    overlay = "" if args.static else "! clockoverlay time-format=\"%H:%M:%S\" "
    video = (
        f"videotestsrc is-live=true {scene} ! video/x-raw,width={width},height={height},framerate={args.fps}/1 "
        f"{overlay}! x264enc tune=zerolatency speed-preset=ultrafast "
        f"bitrate={args.bitrate} key-int-max={args.gop} ! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96"
    )
    factory.set_launch(f"( {video}{AUDIO[args.audio]} )")
    factory.set_shared(True)
    server.get_mount_points().add_factory(args.path, factory)
    serve(server, f"rtsp://127.0.0.1:{args.port}{args.path}", args.port)


def stamped(factory, width, height, args):
    """A live source of grey pictures carrying their creation time as blocks (see --stamp), pushed at --fps."""
    caps = f"video/x-raw,format=I420,width={width},height={height},framerate={args.fps}/1"
    factory.set_launch(
        f"( appsrc name=stamp is-live=true format=time do-timestamp=true caps={caps} "
        f"! clockoverlay halignment=right valignment=bottom time-format=\"%H:%M:%S\" "
        f"! x264enc tune=zerolatency speed-preset=ultrafast bitrate={args.bitrate} key-int-max={args.gop} "
        f"! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 )"
    )
    factory.set_shared(True)
    block = width // 40
    luma, chroma = width * height, (width // 2) * (height // 2)
    grey = bytes([96]) * luma + bytes([128]) * (2 * chroma)

    def frame():
        ms = int(time.time() * 1000) % (1 << 40)
        bits = [(ms >> i) & 1 for i in range(40)]
        row = b"".join((b"\xff" if b else b"\x00") * block for b in bits)
        inverse = b"".join((b"\x00" if b else b"\xff") * block for b in bits)
        data = bytearray(grey)
        for y in range(block):
            data[y * width:y * width + len(row)] = row
            data[(block + y) * width:(block + y) * width + len(inverse)] = inverse
        return Gst.Buffer.new_wrapped(bytes(data))

    def configure(_factory, media):
        src = media.get_element().get_child_by_name("stamp")
        state = {"on": True}

        def push():
            if not state["on"]:
                return False
            src.emit("push-buffer", frame())
            return True

        GLib.timeout_add(max(1, 1000 // args.fps), push)
        media.connect("unprepared", lambda _m: state.update(on=False))

    factory.connect("media-configure", configure)


def serve(server, url, port):
    if server.attach(None) == 0:
        print(f"ERROR cannot listen on port {port}", flush=True)
        sys.exit(1)
    loop = GLib.MainLoop()
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    print(f"READY {url}", flush=True)
    loop.run()


if __name__ == "__main__":
    main()
