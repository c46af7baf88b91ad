# Regenerates the NumPy-written fixtures of tests/unit/io (run once, by hand,
# with /usr/bin/python3 from this folder). The expected values are spelled out
# in tests/unit/io/npy_numpy_files_test.cpp.
import numpy as np
from numpy.lib import format as fmt

a = np.arange(24, dtype=np.float32).reshape(2, 3, 4) * 0.5 - 3
np.save('f32_c_2x3x4.npy', a)
np.save('f64_fortran_3x4.npy', np.asfortranarray((np.arange(12, dtype=np.float64).reshape(3, 4) ** 1.5)))
np.save('i64_1d.npy', np.array([-5, 0, 7, 2**40], dtype=np.int64))
np.save('f16_2x2.npy', np.array([[1.5, -2.25], [65504, 6.1035156e-05]], dtype=np.float16))
np.save('u8_3.npy', np.array([0, 128, 255], dtype=np.uint8))
np.save('bool_4.npy', np.array([True, False, True, True]))
np.save('i16_bigendian_3.npy', np.array([1, -2, 300], dtype='>i2'))
np.save('scalar_i64.npy', np.array(3, dtype=np.int64))
b = np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3) - 2)
with open('i32_fortran_v2_2x3.npy', 'wb') as f:
    fmt.write_array(f, b, version=(2, 0))
with open('f32_v3_2.npy', 'wb') as f:
    fmt.write_array(f, np.array([1.25, -0.5], dtype=np.float32), version=(3, 0))
