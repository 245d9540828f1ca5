import { failureAtEveryStep } from '../helpers/fault-loops.ts';

// Part 2 of the fault loops (the other part is lifecycle-faults-1.test.ts): two files, so both workers share them.
failureAtEveryStep(2, 2);
