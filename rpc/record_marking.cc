#include "rpc/record_marking.h"

#include <algorithm>
#include <cstring>

namespace loopfs::rpc {

namespace {
constexpr uint64_t kPooledRecordMin = 64 * 1024;
}  // namespace

size_t RecordReader::Feed(std::span<const uint8_t> data) {
  DropDirect();
  size_t used = 0;
  while (used < data.size() && state_ == State::kOk) {
    if (!in_fragment_) {
      size_t take = std::min(sizeof(header_) - header_have_, data.size() - used);
      std::memcpy(header_ + header_have_, data.data() + used, take);
      header_have_ += take;
      used += take;
      if (header_have_ < sizeof(header_)) break;
      header_have_ = 0;
      uint32_t mark = (uint32_t{header_[0]} << 24) | (uint32_t{header_[1]} << 16) |
                      (uint32_t{header_[2]} << 8) | uint32_t{header_[3]};
      last_fragment_ = (mark & kLastFragment) != 0;
      fragment_left_ = mark & ~kLastFragment;
      uint64_t total = uint64_t{current_.size()} + fragment_left_;
      if (total > max_record_) {
        state_ = State::kTooLarge;
        rejected_length_ = total;
        current_.clear();
        break;
      }
      // Reserve the whole fragment now: the body then lands in place, and a
      // record of many fragments grows once per fragment, not per read.
      // Large records (WRITE data) come from the pool; small ones are cheap
      // to allocate and would only tie up a large pooled buffer.
      if (current_.capacity() == 0 && pool_ != nullptr && total >= kPooledRecordMin) {
        current_ = pool_->Take();
      }
      current_.reserve(total);
      in_fragment_ = true;
      if (fragment_left_ == 0) FinishFragment();
      continue;
    }
    size_t take = std::min<size_t>(fragment_left_, data.size() - used);
    current_.insert(current_.end(), data.begin() + used, data.begin() + used + take);
    used += take;
    fragment_left_ -= static_cast<uint32_t>(take);
    if (fragment_left_ == 0) FinishFragment();
  }
  return used;
}

void RecordReader::FinishFragment() {
  in_fragment_ = false;
  if (!last_fragment_) return;
  complete_.push_back(std::move(current_));
  current_ = {};
}

bool RecordReader::TakeRecord(ByteBuffer* record) {
  if (complete_head_ >= complete_.size()) return false;
  *record = std::move(complete_[complete_head_++]);
  if (complete_head_ == complete_.size()) {
    complete_.clear();
    complete_head_ = 0;
  }
  return true;
}

std::span<uint8_t> RecordReader::DirectSpan(size_t min_size) {
  DropDirect();
  if (state_ != State::kOk || !in_fragment_ || fragment_left_ < min_size) return {};
  size_t old = current_.size();
  current_.resize(old + fragment_left_);  // capacity was reserved at the header
  direct_open_ = fragment_left_;
  return {current_.data() + old, fragment_left_};
}

void RecordReader::CommitDirect(size_t n) {
  if (n > direct_open_) n = direct_open_;
  // DirectSpan() grew current_ by the whole rest; give back what was not read.
  current_.resize(current_.size() - (direct_open_ - n));
  direct_open_ = 0;
  fragment_left_ -= static_cast<uint32_t>(n);
  if (fragment_left_ == 0) FinishFragment();
}

void RecordReader::DropDirect() {
  if (direct_open_ == 0) return;
  current_.resize(current_.size() - direct_open_);
  direct_open_ = 0;
}

}  // namespace loopfs::rpc
