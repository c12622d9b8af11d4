"""The media layer the transcoder worker calls: sniff, probe, ladder, transcode. No AWS here.

sniff.py           is the upload a container we accept at all? (magic bytes)
probe.py           PyAV probe with limits: facts of an acceptable video, or `MediaRejected`
boxes.py           is an MP4 as long as its top-level boxes say? (cut-short uploads)
cost.py            would transcoding it fit the time one transcode may take? (pure)
ladder.py          which renditions to make of a source (pure)
storyboard.py      thumbnail times, sprite grid and WebVTT (pure)
hls.py             media playlists read, bandwidth measured, master playlist written (pure)
ffmpeg_command.py  the one ffmpeg command that makes every output (pure)
ffmpeg_process.py  ffmpeg as a guarded child: process group, timeout, stderr tail, progress
transcode.py       runs it, checks every output, writes the master playlist and the VTT
"""
