#include <gpta/detail/sha256.hpp>

#include <boost/test/unit_test.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

// FIPS 180-4 test vectors, block-boundary lengths fed in pieces, and the file hash.

using gpta::detail::sha256_hex;

BOOST_AUTO_TEST_CASE(fips_180_vectors) {
  BOOST_TEST(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  BOOST_TEST(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  BOOST_TEST(sha256_hex(std::string(1000000, 'a')) ==
             "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

BOOST_AUTO_TEST_CASE(pieces_of_any_size_give_the_one_shot_digest) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += static_cast<char>('a' + i % 26);
  for (const std::size_t len : {55u, 56u, 63u, 64u, 65u, 119u, 128u, 300u}) {
    const std::string s = text.substr(0, len);
    const std::string want = sha256_hex(s);
    for (const std::size_t piece : {1u, 7u, 63u, 64u}) {
      gpta::detail::sha256 h;
      for (std::size_t i = 0; i < s.size(); i += piece) h.update(std::string_view(s).substr(i, piece));
      BOOST_TEST(h.hex_digest() == want, "length " << len << " in pieces of " << piece);
    }
  }
}

BOOST_AUTO_TEST_CASE(files_hash_like_their_bytes_and_missing_ones_are_named) {
  namespace fs = std::filesystem;
  const fs::path p = fs::temp_directory_path() / ("gpta_sha256_" + std::to_string(::getpid()) + ".bin");
  std::string bytes(3 * (1u << 20) + 17, '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 131 % 251);
  std::ofstream(p, std::ios::binary) << bytes;
  BOOST_TEST(gpta::detail::sha256_file(p) == sha256_hex(bytes));
  fs::remove(p);
  BOOST_CHECK_EXCEPTION((void)gpta::detail::sha256_file(p), std::runtime_error,
                        [&](const std::runtime_error& e) { return std::string(e.what()).find(p.string()) != std::string::npos; });
}
