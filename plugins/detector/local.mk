# Detector plugins: symptoms and dynamics (group A), units, data and configuration (group B).
include plugins/detector/group-a.mk
include plugins/detector/group-b.mk
