"""The media layer the transcoder worker calls: sniff, probe, ladder, transcode. No AWS here.

sniff.py      is the upload a container we accept at all? (magic bytes)
probe.py      PyAV probe with limits: facts of an acceptable video, or `MediaRejected`
ladder.py     which renditions to make of a source (pure)
transcode.py  one guarded ffmpeg process writes every rendition and the poster
"""
