// Record marking for RPC over TCP (RFC 5531 section 11).
//
// A record is one or more fragments, each preceded by a 4-byte header: the
// top bit marks the last fragment, the other 31 bits give its length.  The
// reader enforces a maximum record size so a client cannot make the server
// buffer without limit: a larger record is an error and the connection is
// closed by the caller.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "rpc/buffer_pool.h"
#include "rpc/byte_buffer.h"

namespace loopfs::rpc {

inline constexpr uint32_t kLastFragment = 0x80000000u;

class RecordReader {
 public:
  enum class State { kOk, kTooLarge };

  // pool, if given, supplies the buffers records are assembled in.
  explicit RecordReader(size_t max_record, BufferPool* pool = nullptr)
      : max_record_(max_record), pool_(pool) {}

  // Consumes bytes from the stream.  Complete records are queued for
  // TakeRecord().  Returns the number of bytes consumed: all of them, unless
  // the reader went into kTooLarge, after which it consumes nothing more.
  size_t Feed(std::span<const uint8_t> data);

  // Moves the oldest complete record into *record.  False if there is none.
  bool TakeRecord(ByteBuffer* record);
  size_t pending_records() const { return complete_.size(); }

  // Where the transport may read the rest of the current fragment directly,
  // skipping a copy: non-empty only while a fragment body of at least
  // min_size bytes is outstanding.  After reading n bytes there, call
  // CommitDirect(n).  A span not committed is withdrawn by the next Feed()
  // or DirectSpan().
  std::span<uint8_t> DirectSpan(size_t min_size);
  void CommitDirect(size_t n);

  State state() const { return state_; }
  // True between the first byte of a record and its end.
  bool mid_record() const { return header_have_ != 0 || in_fragment_ || !current_.empty(); }
  // The length the offending record would have had, for the log line.
  uint64_t rejected_length() const { return rejected_length_; }

 private:
  void FinishFragment();
  void DropDirect();

  size_t max_record_;
  BufferPool* pool_;
  State state_ = State::kOk;
  uint64_t rejected_length_ = 0;
  uint8_t header_[4]{};
  size_t header_have_ = 0;
  uint32_t fragment_left_ = 0;  // body bytes of the current fragment still to come
  bool in_fragment_ = false;
  bool last_fragment_ = false;
  size_t direct_open_ = 0;      // bytes DirectSpan() added to current_, not yet committed
  ByteBuffer current_;
  std::vector<ByteBuffer> complete_;
  size_t complete_head_ = 0;
};

// Writes the record mark for a single-fragment record of len bytes.
inline void EncodeRecordMark(uint32_t len, uint8_t out[4]) {
  uint32_t v = len | kLastFragment;
  out[0] = static_cast<uint8_t>(v >> 24);
  out[1] = static_cast<uint8_t>(v >> 16);
  out[2] = static_cast<uint8_t>(v >> 8);
  out[3] = static_cast<uint8_t>(v);
}

}  // namespace loopfs::rpc
