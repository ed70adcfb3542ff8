#include "lib/interview/audio_device.hpp"

#include <chrono>
#include <fstream>
#include <iterator>
#include <thread>

#include <dlfcn.h>
#include <fcntl.h>
#include <poll.h>
#include <portaudio.h>
#include <unistd.h>

#include "lib/core/atomic_file.hpp"
#include "lib/core/cancel.hpp"
#include "lib/core/error.hpp"
#include "lib/core/paths.hpp"

namespace webox::interview {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void no_audio_device(const std::string &why) {
  throw UsageError("no audio device (" + why +
                   "); give the answers as files: webox interview run SCENARIO --answers a1.wav a2.wav ...");
}

RecordEnd end_of(EndOfTurn::State s) {
  switch (s) {
    case EndOfTurn::State::done_max: return RecordEnd::max_length;
    case EndOfTurn::State::done_no_speech: return RecordEnd::no_speech;
    default: return RecordEnd::silence;
  }
}

// The test device: files in, files out, in real time.
class FakeAudioDevice final : public AudioDevice {
public:
  explicit FakeAudioDevice(fs::path dir) : m_dir(std::move(dir)) {
    std::error_code ec;
    if (!fs::is_directory(m_dir, ec)) no_audio_device("the fake device's folder " + m_dir.string() + " does not exist");
  }
  std::string name() const override { return "fake:" + m_dir.string(); }

  void play(const Pcm &pcm) override {
    AtomicFile out(m_dir / ("played-" + std::to_string(++m_played) + ".wav"));
    out.write(encode_wav(pcm));
    out.commit();
    sleep_for_audio(pcm.seconds());
  }

  Recording record(const std::function<bool()> &stop_key) override {
    const fs::path file = m_dir / ("mic-" + std::to_string(++m_recorded) + ".wav");
    std::ifstream in(file, std::ios::binary);
    Pcm source;
    if (in) source = decode_wav(std::string(std::istreambuf_iterator<char>(in), {}), file.string());
    Recording r;
    EndOfTurn end;
    std::vector<float> frame(kFrameSamples);
    const auto start = std::chrono::steady_clock::now();
    for (size_t at = 0;; at += kFrameSamples) {
      for (size_t i = 0; i < frame.size(); ++i)
        frame[i] = at + i < source.samples.size() ? source.samples[at + i] : 0.0f;
      r.pcm.samples.insert(r.pcm.samples.end(), frame.begin(), frame.end());
      end.feed(frame.data(), frame.size());
      if (end.done()) {
        r.end = end_of(end.state());
        break;
      }
      if (cancel::requested()) {
        r.end = RecordEnd::cancelled;
        break;
      }
      if (stop_key && stop_key()) {
        r.end = RecordEnd::key;
        break;
      }
      std::this_thread::sleep_until(start + std::chrono::milliseconds(kFrameMs) * (at / kFrameSamples + 1));
    }
    return r;
  }

private:
  static void sleep_for_audio(double seconds) {
    const auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
    while (std::chrono::steady_clock::now() < until && !cancel::requested())
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  fs::path m_dir;
  int m_played = 0;
  int m_recorded = 0;
};

// PortAudio's functions, found with dlsym in libportaudio.so.2.
struct PortAudioApi {
  void *lib = nullptr;
  decltype(&Pa_Initialize) initialize = nullptr;
  decltype(&Pa_Terminate) terminate = nullptr;
  decltype(&Pa_GetErrorText) error_text = nullptr;
  decltype(&Pa_GetDefaultInputDevice) default_input = nullptr;
  decltype(&Pa_GetDefaultOutputDevice) default_output = nullptr;
  decltype(&Pa_OpenDefaultStream) open_default = nullptr;
  decltype(&Pa_StartStream) start = nullptr;
  decltype(&Pa_StopStream) stop = nullptr;
  decltype(&Pa_CloseStream) close = nullptr;
  decltype(&Pa_ReadStream) read = nullptr;
  decltype(&Pa_WriteStream) write = nullptr;
};

template <class F>
void portaudio_symbol(void *lib, F &slot, const char *name) {
  slot = reinterpret_cast<F>(dlsym(lib, name));
  if (!slot) no_audio_device(std::string("libportaudio.so.2 has no ") + name);
}

class PortAudioDevice final : public AudioDevice {
public:
  PortAudioDevice() {
    m_api.lib = dlopen("libportaudio.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!m_api.lib) no_audio_device("PortAudio is not installed: apt install libportaudio2");
    portaudio_symbol(m_api.lib, m_api.initialize, "Pa_Initialize");
    portaudio_symbol(m_api.lib, m_api.terminate, "Pa_Terminate");
    portaudio_symbol(m_api.lib, m_api.error_text, "Pa_GetErrorText");
    portaudio_symbol(m_api.lib, m_api.default_input, "Pa_GetDefaultInputDevice");
    portaudio_symbol(m_api.lib, m_api.default_output, "Pa_GetDefaultOutputDevice");
    portaudio_symbol(m_api.lib, m_api.open_default, "Pa_OpenDefaultStream");
    portaudio_symbol(m_api.lib, m_api.start, "Pa_StartStream");
    portaudio_symbol(m_api.lib, m_api.stop, "Pa_StopStream");
    portaudio_symbol(m_api.lib, m_api.close, "Pa_CloseStream");
    portaudio_symbol(m_api.lib, m_api.read, "Pa_ReadStream");
    portaudio_symbol(m_api.lib, m_api.write, "Pa_WriteStream");
    if (PaError e = silenced([&] { return m_api.initialize(); }); e != paNoError) {
      dlclose(m_api.lib);
      no_audio_device(std::string("PortAudio: ") + m_api.error_text(e));
    }
    if (m_api.default_input() == paNoDevice || m_api.default_output() == paNoDevice) {
      m_api.terminate();
      dlclose(m_api.lib);
      no_audio_device("PortAudio finds no default microphone or speakers");
    }
  }
  ~PortAudioDevice() override {
    m_api.terminate();
    // Never dlclose: PortAudio's host APIs may leave threads behind.
  }
  std::string name() const override { return "portaudio"; }

  void play(const Pcm &pcm) override {
    PaStream *stream = open(0, 1);
    for (size_t at = 0; at < pcm.samples.size() && !cancel::requested(); at += kFrameSamples) {
      const size_t n = std::min<size_t>(kFrameSamples, pcm.samples.size() - at);
      m_api.write(stream, pcm.samples.data() + at, static_cast<unsigned long>(n));
    }
    close(stream);
  }

  Recording record(const std::function<bool()> &stop_key) override {
    PaStream *stream = open(1, 0);
    Recording r;
    EndOfTurn end;
    std::vector<float> frame(kFrameSamples);
    for (;;) {
      m_api.read(stream, frame.data(), kFrameSamples); // an overflow loses a frame, not the answer
      r.pcm.samples.insert(r.pcm.samples.end(), frame.begin(), frame.end());
      end.feed(frame.data(), frame.size());
      if (end.done()) {
        r.end = end_of(end.state());
        break;
      }
      if (cancel::requested()) {
        r.end = RecordEnd::cancelled;
        break;
      }
      if (stop_key && stop_key()) {
        r.end = RecordEnd::key;
        break;
      }
    }
    close(stream);
    return r;
  }

private:
  // ALSA prints its probing of absent cards on stderr; the user sees only our message.
  template <class F>
  static PaError silenced(F &&fn) {
    fflush(stderr);
    const int saved = dup(STDERR_FILENO);
    const int null_fd = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (saved >= 0 && null_fd >= 0) dup2(null_fd, STDERR_FILENO);
    PaError e = fn();
    if (saved >= 0) {
      dup2(saved, STDERR_FILENO);
      ::close(saved);
    }
    if (null_fd >= 0) ::close(null_fd);
    return e;
  }
  PaStream *open(int inputs, int outputs) {
    PaStream *stream = nullptr;
    PaError e = m_api.open_default(&stream, inputs, outputs, paFloat32, kSampleRate, kFrameSamples, nullptr, nullptr);
    if (e == paNoError) e = m_api.start(stream);
    if (e != paNoError) throw Error(std::string("audio device: ") + m_api.error_text(e));
    return stream;
  }
  void close(PaStream *stream) {
    m_api.stop(stream);
    m_api.close(stream);
  }
  PortAudioApi m_api;
};

} // namespace

std::unique_ptr<AudioDevice> open_audio_device() {
  const std::string spec = paths::env("WEBOX_AUDIO_DEVICE");
  if (spec == "none") no_audio_device("WEBOX_AUDIO_DEVICE=none");
  if (spec.rfind("fake:", 0) == 0) return std::make_unique<FakeAudioDevice>(spec.substr(5));
  if (!spec.empty() && spec != "default")
    throw UsageError("WEBOX_AUDIO_DEVICE='" + spec + "': expected default, none or fake:DIR");
  return std::make_unique<PortAudioDevice>();
}

bool enter_pressed() {
  if (!isatty(STDIN_FILENO)) return false;
  pollfd p{STDIN_FILENO, POLLIN, 0};
  if (poll(&p, 1, 0) <= 0 || !(p.revents & POLLIN)) return false;
  char buf[256];
  return read(STDIN_FILENO, buf, sizeof buf) > 0;
}

} // namespace webox::interview
