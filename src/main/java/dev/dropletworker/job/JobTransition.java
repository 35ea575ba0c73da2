package dev.dropletworker.job;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import java.time.Instant;
import java.util.UUID;

/** One committed state change of a job. */
@Entity
@Table(name = "job_transition")
class JobTransition {

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    Long id;

    @Column(name = "job_id")
    UUID jobId;

    @Enumerated(EnumType.STRING)
    @Column(name = "from_state")
    JobState fromState;

    @Enumerated(EnumType.STRING)
    @Column(name = "to_state")
    JobState toState;

    Instant at;

    String detail;

    static JobTransition of(UUID jobId, JobState from, JobState to, Instant at, String detail) {
        JobTransition t = new JobTransition();
        t.jobId = jobId;
        t.fromState = from;
        t.toState = to;
        t.at = at;
        t.detail = detail;
        return t;
    }

    Transition view() {
        return new Transition(fromState, toState, at, detail);
    }
}
