// The request/phase scopes that connect the HTTP trigger to an Observer.
#include "http/observer.h"

namespace tern::http {
namespace {

// Set only by RequestScope (which saves and restores it).
thread_local RequestObservation* t_current = nullptr;

}  // namespace

RequestObservation* currentObservation() { return t_current; }

RequestScope::RequestScope(Observer* observer, const Request& request) {
  if (!observer) return;
  observation_ = observer->begin(request);
  if (!observation_) return;
  previous_ = t_current;
  t_current = observation_.get();
}

RequestScope::~RequestScope() {
  if (!observation_) return;
  t_current = previous_;
  observation_.reset();
}

void RequestScope::routed(std::string_view component, std::string_view route) {
  if (observation_) observation_->routed(component, route);
}

void RequestScope::end(const Response& response) {
  if (!observation_ || ended_) return;
  ended_ = true;
  observation_->end(response);
}

PhaseScope::PhaseScope(Phase phase) : observation_(t_current), phase_(phase) {
  if (observation_) observation_->phaseBegin(phase_);
}

PhaseScope::~PhaseScope() {
  if (observation_) observation_->phaseEnd(phase_, error_.get());
}

void PhaseScope::failed(const Error& error) {
  if (observation_) error_ = std::make_unique<Error>(error);
}

void PhaseScope::reportMemory(uint64_t bytes) {
  if (t_current) t_current->memoryInUse(bytes);
}

}  // namespace tern::http
