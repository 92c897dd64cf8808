import type { TaskType } from '../datasets/types.js';

/**
 * Our seed prompts, per task type. They are plain role descriptions on purpose: they do not dictate an
 * answer format (no \boxed{}, no tags) and do not tell an agent how to treat upstream answers — those are
 * what prompt optimization is meant to discover. Only the single-agent baselines (vanilla, CoT,
 * self-consistency) ask the model to state its final answer, as those baselines do in the literature.
 */
export interface SeedPrompts {
  solver: string;
  /** A solver after the first round: it also sees the previous round's work. */
  solverWithContext: string;
  reflector: string;
  /** Hierarchical experts, one perspective each (cycled when there are more experts). */
  experts: Array<{ role: string; prompt: string }>;
  aggregator: string;
  vanilla: string;
  cot: string;
  feedback: string;
  refine: string;
}

const MATH: SeedPrompts = {
  solver:
    'You are a careful mathematician. Solve the following problem, showing your reasoning.\n\nProblem:\n{{question}}\n\nSolution:',
  solverWithContext:
    'You are a careful mathematician. Solve the following problem, showing your reasoning. Earlier work by your team is included for reference.\n\nProblem:\n{{question}}\n\nEarlier work:\n{{context}}\n\nSolution:',
  reflector:
    "You are a reviewer of mathematical work. Read the problem and the solution written by a colleague, discuss its reasoning, and then write your own solution to the problem.\n\nProblem:\n{{question}}\n\nColleague's solution:\n{{context}}\n\nReview and solution:",
  experts: [
    {
      role: 'algebra expert',
      prompt:
        'You are an expert in algebra and calculation. Solve the following problem, showing your reasoning.\n\nProblem:\n{{question}}\n\nSolution:',
    },
    {
      role: 'geometry and combinatorics expert',
      prompt:
        'You are an expert in geometry, counting and probability. Solve the following problem, showing your reasoning.\n\nProblem:\n{{question}}\n\nSolution:',
    },
    {
      role: 'number theory expert',
      prompt:
        'You are an expert in number theory and problem solving. Solve the following problem, showing your reasoning.\n\nProblem:\n{{question}}\n\nSolution:',
    },
  ],
  aggregator:
    "You lead a team of mathematicians. Each of them has written a solution to the problem below. Read their work and write the team's final solution.\n\nProblem:\n{{question}}\n\nSolutions from the team:\n{{context}}\n\nFinal solution:",
  vanilla: 'Solve the following problem. State your final answer at the end.\n\n{{question}}',
  cot: 'Solve the following problem. Think step by step, then state your final answer at the end.\n\n{{question}}',
  feedback:
    'Here is a math problem and an attempt at solving it. Give feedback on the attempt: point out mistakes, gaps and unclear steps.\n\nProblem:\n{{question}}\n\nAttempt:\n{{context}}\n\nFeedback:',
  refine:
    'Here is a math problem, an attempt at solving it, and feedback on that attempt. Write a better solution that takes the feedback into account.\n\nProblem:\n{{question}}\n\nAttempt and feedback:\n{{context}}\n\nImproved solution:',
};

const CHOICE: SeedPrompts = {
  solver:
    'You are an expert in the subject of the following multiple-choice question. Reason about it and choose the best option.\n\nQuestion:\n{{question}}\n\nAnswer:',
  solverWithContext:
    'You are an expert in the subject of the following multiple-choice question. Reason about it and choose the best option. Earlier work by your team is included for reference.\n\nQuestion:\n{{question}}\n\nEarlier work:\n{{context}}\n\nAnswer:',
  reflector:
    "You are a reviewer. Read the multiple-choice question and a colleague's answer to it, discuss the reasoning, and then give your own answer.\n\nQuestion:\n{{question}}\n\nColleague's answer:\n{{context}}\n\nReview and answer:",
  experts: [
    {
      role: 'domain expert',
      prompt:
        'You are a domain expert in the subject of this question. Reason about it and choose the best option.\n\nQuestion:\n{{question}}\n\nAnswer:',
    },
    {
      role: 'first-principles reasoner',
      prompt:
        'You reason from first principles. Work through the following multiple-choice question and choose the best option.\n\nQuestion:\n{{question}}\n\nAnswer:',
    },
    {
      role: 'option analyst',
      prompt:
        'You analyse each option of a multiple-choice question in turn. Consider every option of the question below and choose the best one.\n\nQuestion:\n{{question}}\n\nAnswer:',
    },
  ],
  aggregator:
    "You lead a team of experts. Each of them has answered the multiple-choice question below. Read their work and give the team's final answer.\n\nQuestion:\n{{question}}\n\nAnswers from the team:\n{{context}}\n\nFinal answer:",
  vanilla:
    'Answer the following multiple-choice question. State the letter of your final answer at the end.\n\n{{question}}',
  cot: 'Answer the following multiple-choice question. Think step by step, then state the letter of your final answer at the end.\n\n{{question}}',
  feedback:
    'Here is a multiple-choice question and an attempt at answering it. Give feedback on the attempt: point out mistakes and weak reasoning.\n\nQuestion:\n{{question}}\n\nAttempt:\n{{context}}\n\nFeedback:',
  refine:
    'Here is a multiple-choice question, an attempt at answering it, and feedback on that attempt. Write a better answer that takes the feedback into account.\n\nQuestion:\n{{question}}\n\nAttempt and feedback:\n{{context}}\n\nImproved answer:',
};

const CODE: SeedPrompts = {
  solver:
    'You are an experienced Python programmer. Write a Python function that solves the following task.\n\nTask:\n{{question}}\n\nCode:',
  solverWithContext:
    'You are an experienced Python programmer. Write a Python function that solves the following task. Earlier work by your team is included for reference.\n\nTask:\n{{question}}\n\nEarlier work:\n{{context}}\n\nCode:',
  reflector:
    "You are a code reviewer. Read the programming task and a colleague's code for it, discuss the code, and then write your own complete Python function for the task.\n\nTask:\n{{question}}\n\nColleague's code:\n{{context}}\n\nReview and code:",
  experts: [
    {
      role: 'algorithms expert',
      prompt:
        'You are an expert in algorithms and data structures. Write a Python function that solves the following task.\n\nTask:\n{{question}}\n\nCode:',
    },
    {
      role: 'Python expert',
      prompt:
        'You are an expert in idiomatic Python and its standard library. Write a Python function that solves the following task.\n\nTask:\n{{question}}\n\nCode:',
    },
    {
      role: 'requirements analyst',
      prompt:
        'You read specifications closely, including their examples. Write a Python function that solves the following task.\n\nTask:\n{{question}}\n\nCode:',
    },
  ],
  aggregator:
    "You lead a team of programmers. Each of them has written code for the task below. Read their work and write the team's final Python function.\n\nTask:\n{{question}}\n\nCode from the team:\n{{context}}\n\nFinal code:",
  vanilla: 'Write a Python function for the following task. Give the complete function.\n\n{{question}}',
  cot: 'Write a Python function for the following task. Think step by step about the approach, then give the complete function.\n\n{{question}}',
  feedback:
    'Here is a programming task and an attempt at solving it in Python. Give feedback on the code: point out bugs and departures from the task.\n\nTask:\n{{question}}\n\nAttempt:\n{{context}}\n\nFeedback:',
  refine:
    'Here is a programming task, an attempt at solving it in Python, and feedback on that attempt. Write a better complete Python function that takes the feedback into account.\n\nTask:\n{{question}}\n\nAttempt and feedback:\n{{context}}\n\nImproved code:',
};

export const SEED_PROMPTS: Record<TaskType, SeedPrompts> = { math: MATH, choice: CHOICE, code: CODE };
