"""Tour processing: recording -> audio chunks -> transcript -> highlights -> summary.

The steps run as Lambda tasks of `statemachines/tour_processing.asl.json` (see `pipeline`); the
API reads the results through `artifacts`; `service.start_processing` starts a run.
"""
