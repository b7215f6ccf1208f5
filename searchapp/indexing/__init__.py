"""The write side: find files, prepare them in worker processes (readers → pipeline),
write them through a backend's :class:`~searchapp.backend.base.Writer`.

* :mod:`.discover` — which files a run reads;
* :mod:`.worker` — one batch of files → prepared documents → one written batch;
* :mod:`.run` — :func:`~.run.index_paths`: what changed, workers, clusters, the commit;
* :mod:`.progress` — the terminal progress bar.
"""
