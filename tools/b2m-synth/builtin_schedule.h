// The event schedule compiled into b2m-synth: the 18 events files of
// ds003720's sub-001 (tools/b2m-synth/schedule), byte for byte.
#pragma once

#include "b2m/synth/schedule.h"

b2m::synth::Schedule builtin_schedule();
