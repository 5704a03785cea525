/*
 * rw_slots.pml -- the read/write lock's reader slots against its writer (docs/locks.md
 * section 5; io.shmkit.sync.SharedReadWriteLock and ProcessSlots): the Dekker pair
 * "reader CASes its slot, then re-reads owner" / "writer CASes owner, then scans slots".
 *
 * Participants
 *   process A: two reader threads sharing A's slot identity (holds are per process)
 *   process B: one reader thread
 *   process W: one writer thread (owner word as a plain mutex; its take-over is
 *              owner_word.pml's subject)
 *   N = 3 slots; each process starts looking at its home slot (ProcessSlots.home), chosen
 *   nondeterministically, so every arrangement of homes is checked.
 *
 * Reader (tryEnterRead, ProcessSlots.tryAdd):
 *   wait until owner == 0; tryAdd(1): the home-slot fast path (claim it if free, or CAS +1
 *   if it is ours), else a pass in home order for a slot of ours (CAS +1, restart the pass
 *   if the CAS fails), else a pass in home order for a free slot (claim 0 -> id|1);
 *   re-read owner: 0 -> inside; else back off and wait again.
 *   Back-off:  -DOLD    ProcessSlots.remove(1): the home fast path, then the FIRST slot
 *                       of ours in home order (today's code)
 *              default  undo exactly at the slot tryAdd added to (the planned fix); if
 *                       that slot is no longer ours (a sibling thread's read unlock took
 *                       the hold from it), fall back to remove(1)
 *              -DEXACT_STRICT  as the default, but assert that the fallback is never
 *                       needed (it is: SPIN finds the sibling-unlock interleaving)
 *   Read unlock: ProcessSlots.remove(1) in both variants (holds are per process).
 * Writer: CAS owner 0 -> W (waits while taken); pass over slots 0..N-1 in index order
 *   (isEmpty): restart at the first non-zero slot; all zero in one pass -> inside; then
 *   release-store owner = 0.
 *
 * Property (assertions): a writer inside => no reader inside, checked both when a reader
 * enters and when the writer enters. SPIN also checks that every run ends with all
 * threads finished (no deadlock).
 *
 * Abstractions: sequentially consistent memory (every access in the Java code here is a
 * CAS or a volatile read or a release store of a 64-bit word; the argument needs only
 * that the CAS and the later volatile read of the other word are not reordered, which
 * Java's volatile/CAS semantics guarantee); a CAS is one atomic step; a slot word (the
 * identity and the count together) is read in one step, as the 64-bit volatile read
 * does; counts are small (at most 3 holds). No deaths here.
 */

#define N 3
#define ID_A 1
#define ID_B 2
#define W_KEY 3
#define NONE 255

#ifndef RROUNDS
#define RROUNDS 1
#endif
#ifndef WROUNDS
#define WROUNDS 2
#endif

#define SID(w) ((w) >> 4)
#define SCNT(w) ((w) & 15)
#define DEC(w) (SCNT(w) == 1 -> 0 : (w) - 1)

byte owner = 0;
byte slot[N];          /* identity << 4 | count; 0 = free */

/* ghost */
byte rin = 0;          /* readers inside */
bool win = 0;          /* writer inside */

inline cas(v, expect, newv, ok) {
  atomic { if :: v == expect -> v = newv; ok = 1 :: else -> ok = 0 fi }
}

/* ProcessSlots.tryAdd(1): s = the slot added to, or NONE if every slot is another's. */
inline tryAdd(ID, HOME, s) {
  s = NONE;
  w = slot[HOME];
  if
  :: w == 0 -> cas(slot[HOME], 0, (ID << 4) | 1, ok)
  :: w != 0 && SID(w) == ID -> cas(slot[HOME], w, w + 1, ok)
  :: else -> ok = 0
  fi;
  if
  :: ok -> s = HOME
  :: else ->
       do                                   /* retry: */
       :: i = 0; restart = 0;
          do                                /* a slot of ours, in home order */
          :: i < N ->
               at = (HOME + i) % N;
               w = slot[at];
               if
               :: w != 0 && SID(w) == ID ->
                    cas(slot[at], w, w + 1, ok);
                    if :: ok -> s = at :: else -> restart = 1 fi;
                    break
               :: else -> i++
               fi
          :: else -> break
          od;
          if
          :: s != NONE -> break
          :: s == NONE && restart -> skip   /* continue retry */
          :: else ->
               i = 0;
               do                           /* a free slot, in home order */
               :: i < N ->
                    at = (HOME + i) % N;
                    if
                    :: slot[at] == 0 ->
                         cas(slot[at], 0, (ID << 4) | 1, ok);
                         if :: ok -> s = at; break :: else -> i++ fi
                    :: else -> i++
                    fi
               :: else -> break
               od;
               break
          fi
       od
  fi;
  i = 0; at = 0; w = 0; ok = 0; restart = 0
}

/* ProcessSlots.remove(1): the home fast path, then the first slot of ours in home order. */
inline removeAny(ID, HOME) {
  w = slot[HOME];
  if
  :: w != 0 && SID(w) == ID -> cas(slot[HOME], w, DEC(w), ok)
  :: else -> ok = 0
  fi;
  do
  :: ok -> break
  :: else ->
       i = 0;
       do
       :: i < N ->
            at = (HOME + i) % N;
            w = slot[at];
            if
            :: w != 0 && SID(w) == ID -> cas(slot[at], w, DEC(w), ok); break   /* continue retry */
            :: else -> i++
            fi
       :: else -> assert(false)            /* IllegalStateException: "held only ..." */
       od
  od;
  i = 0; at = 0; w = 0; ok = 0
}

/*
 * The planned fix for the back-off: undo at exactly the slot added to. But holds are per
 * process and a read unlock takes one from ANY slot of the process (remove(1), home order
 * first): a sibling thread's unlock may have taken this very hold from slot s, emptying
 * it, while the sibling's own hold is left elsewhere. -DEXACT_STRICT asserts that this
 * cannot happen (it can: SPIN finds it); by default the undo falls back to remove(1) when
 * slot s is no longer this process's.
 */
inline removeAt(ID, HOME, s) {
  do
  :: w = slot[s];
     if
     :: w != 0 && SID(w) == ID ->
          cas(slot[s], w, DEC(w), ok);
          if :: ok -> break :: else -> skip fi
     :: else ->
#ifdef EXACT_STRICT
          assert(false);                   /* our hold is no longer in slot s */
#endif
          removeAny(ID, HOME); break
     fi
  od;
  w = 0; ok = 0
}

proctype Reader(byte ID; byte HOME) {
  byte w, at, i, s; bool ok, restart; byte r = 0;
  do
  :: r < RROUNDS ->
       do
       :: owner == 0 ->                     /* 1. no writer: go on (else wait) */
            tryAdd(ID, HOME, s);            /* 2. add a hold */
            if
            :: s == NONE -> skip            /* every slot another's: wait */
            :: else ->
                 if
                 :: owner == 0 -> break     /* 3. still no writer: the read lock is held */
                 :: else ->                 /*    a writer came: back off */
#ifdef OLD
                      removeAny(ID, HOME)
#else
                      removeAt(ID, HOME, s)
#endif
                 fi
            fi;
            s = 0
       od;
       atomic { rin++; assert(!win); s = 0 };
       rin--;
       removeAny(ID, HOME);                 /* read unlock */
       r++
  :: else -> break
  od
}

proctype Writer() {
  byte i; byte r = 0;
  do
  :: r < WROUNDS ->
       atomic { owner == 0 -> owner = W_KEY };   /* 1. take the owner word */
       do                                         /* 2. wait until every slot is 0 */
       :: i = 0;
          do
          :: i < N && slot[i] == 0 -> i++
          :: i < N && slot[i] != 0 -> break
          :: i == N -> break
          od;
          if :: i == N -> i = 0; break :: else -> i = 0 fi
       od;
       atomic { win = 1; assert(rin == 0) };
       win = 0;
       owner = 0;                                 /* release store */
       r++
  :: else -> break
  od
}

init {
  byte homeA, homeB;
  atomic {
    select(homeA : 0 .. N - 1);
    select(homeB : 0 .. N - 1);
    run Reader(ID_A, homeA);
    run Reader(ID_A, homeA);
    run Reader(ID_B, homeB);
    run Writer()
  }
}
