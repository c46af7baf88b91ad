// Every user-facing .npy error: the message names the file and the problem.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "b2m/io/npy.h"
#include "b2m/runtime/error.h"
#include "test_dir.h"

using namespace b2m::io;

namespace {

void write_raw(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A version-1.0 file with the given dict text and data bytes.
std::string npy_bytes(const std::string& dict, const std::string& data, char major = 1) {
  std::string header = dict;
  header.append((64 - (10 + header.size() + 1) % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += major;
  out += '\0';
  out += static_cast<char>(header.size() & 0xFF);
  out += static_cast<char>(header.size() >> 8);
  return out + header + data;
}

void expect_error(const std::string& path, const std::string& fragment) {
  try {
    read_npy(path);
    FAIL() << "no error for " << path;
  } catch (const b2m::Error& e) {
    std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    EXPECT_NE(message.find(fragment), std::string::npos) << message;
  }
}

}  // namespace

TEST(NpyErrors, MissingFile) {
  b2m::test::ScratchDir dir;
  expect_error(dir.file("absent.npy"), "cannot open");
}

TEST(NpyErrors, NotAnNpyFile) {
  b2m::test::ScratchDir dir;
  write_raw(dir.file("text.npy"), "hello, this is text and not numpy");
  expect_error(dir.file("text.npy"), "not a .npy file");
  write_raw(dir.file("empty.npy"), "");
  expect_error(dir.file("empty.npy"), "not a .npy file");
}

TEST(NpyErrors, TruncatedHeader) {
  b2m::test::ScratchDir dir;
  std::string full = npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", "12345678");
  write_raw(dir.file("t.npy"), full.substr(0, 30));
  expect_error(dir.file("t.npy"), "truncated .npy header");
}

TEST(NpyErrors, TruncatedData) {
  b2m::test::ScratchDir dir;
  write_raw(dir.file("t.npy"),
            npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", "12345678"));
  expect_error(dir.file("t.npy"), "truncated .npy data");
}

TEST(NpyErrors, TrailingBytes) {
  b2m::test::ScratchDir dir;
  write_raw(dir.file("t.npy"),
            npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "12345678"));
  expect_error(dir.file("t.npy"), "trailing bytes");
}

TEST(NpyErrors, UnsupportedDTypes) {
  b2m::test::ScratchDir dir;
  write_raw(dir.file("c.npy"),
            npy_bytes("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", "12345678"));
  expect_error(dir.file("c.npy"), "unsupported .npy dtype '<c8'");
  write_raw(dir.file("o.npy"),
            npy_bytes("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", "12345678"));
  expect_error(dir.file("o.npy"), "unsupported .npy dtype");
  write_raw(dir.file("s.npy"), npy_bytes("{'descr': [('a', '<f4')], 'fortran_order': False, "
                                         "'shape': (1,), }",
                                         "1234"));
  expect_error(dir.file("s.npy"), "bad .npy header");
}

TEST(NpyErrors, BadHeaders) {
  b2m::test::ScratchDir dir;
  write_raw(dir.file("a.npy"), npy_bytes("{'descr': '<f4', 'shape': (1,), }", "1234"));
  expect_error(dir.file("a.npy"), "missing one of");
  write_raw(dir.file("b.npy"), npy_bytes("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}", "1234"));
  expect_error(dir.file("b.npy"), "expected True or False");
  write_raw(dir.file("c.npy"), npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}", "1234"));
  expect_error(dir.file("c.npy"), "bad .npy header");
  write_raw(dir.file("d.npy"), npy_bytes("not a dict", ""));
  expect_error(dir.file("d.npy"), "bad .npy header");
  write_raw(dir.file("e.npy"), npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", "1234"));
  expect_error(dir.file("e.npy"), "unexpected key 'x'");
}

TEST(NpyErrors, UnsupportedVersion) {
  b2m::test::ScratchDir dir;
  write_raw(dir.file("v.npy"),
            npy_bytes("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", "1234", 4));
  expect_error(dir.file("v.npy"), "unsupported .npy format version 4.0");
}

TEST(NpyErrors, WrongAccessorAndShape) {
  b2m::test::ScratchDir dir;
  std::vector<float> v = {1.5f, 2.5f};
  write_npy(dir.file("f.npy"), v.data(), {2});
  NpyArray a = read_npy(dir.file("f.npy"));
  try {
    a.as_i64();
    FAIL();
  } catch (const b2m::Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected an integer array"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find(dir.file("f.npy")), std::string::npos);
  }
  try {
    a.expect_shape({2, 1});
    FAIL();
  } catch (const b2m::Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected shape [2, 1], found [2]"), std::string::npos);
  }
  try {
    a.as_matrix_f32();
  } catch (...) {
    FAIL() << "1-D arrays convert to a column";
  }
}

TEST(NpyErrors, WriteIntoMissingDirectoryFailsCleanly) {
  b2m::test::ScratchDir dir;
  std::vector<float> v = {1.0f};
  std::string path = dir.file("no/such/dir/x.npy");
  try {
    write_npy(path, v.data(), {1});
    FAIL();
  } catch (const b2m::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(path));
}
